import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { childEnv, freePort, ROOT, tempDir, waitForHttp } from "../helpers/process";

// What a newcomer does on a fresh machine: no .env, no DATABASE_URL → PGlite, created and migrated on
// start. Opening a fresh PGlite directory takes seconds to a minute on a busy machine, so the test
// follows the process's own readiness rather than a wall clock (the bounds only stop a hang).
describe("embedded mode start-up", () => {
  test("liveness answers at once; health and the API say 'starting' until PGlite is migrated; then health 200", async () => {
    const dir = tempDir("embedded");
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = Bun.spawn(["bun", "src/index.ts"], {
      cwd: ROOT,
      env: childEnv({ PORT: String(port), PGLITE_DIR: dir, NODE_ENV: "development", LOG_LEVEL: "warn" }),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const live = await waitForHttp(`${base}/api/system/health/live`, 60_000, { proc });
      expect(live.status).toBe(200);
      expect(((await live.json()) as { status: string }).status).toBe("ok");

      // initdb of a fresh directory takes seconds: the next requests still meet the starting listener.
      const health = await fetch(`${base}/api/system/health`);
      expect(health.status).toBe(503);
      expect(health.headers.get("cache-control")).toBe("no-store");
      const hb = (await health.json()) as { status: string; reasons: string[] };
      expect(hb.status).toBe("starting");
      // What start-up is doing: loading the application, then creating and migrating the database.
      expect(hb.reasons).toEqual([expect.stringMatching(/application|embedded database/)]);
      const ready = await fetch(`${base}/api/system/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reason: string }).reason).toBe("starting");
      const courts = await fetch(`${base}/api/courts`);
      expect(courts.status).toBe(503);
      expect(courts.headers.get("retry-after")).toBe("2");
      const body = (await courts.json()) as { error: { code: string; message: string; requestId: string } };
      expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
      expect(body.error.message).toStartWith("CourtFlow is starting (");
      expect(body.error.requestId).toBe(courts.headers.get("x-request-id")!);

      const up = await waitForHttp(`${base}/api/system/health`, 170_000, {
        proc,
        ok: (r) => r.status === 200,
      });
      // Up and serving; "degraded" only because embedded mode has no Redis (ARCHITECTURE.md).
      const upBody = (await up.json()) as { status: string; reasons?: string[] };
      expect(upBody.status).toBe("degraded");
      expect(upBody.reasons?.join(" ")).toContain("REDIS_URL");
      expect((await fetch(`${base}/api/system/health/ready`)).status).toBe(200);
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
