import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { childEnv, freePort, ROOT, tempDir, waitForHttp } from "../helpers/process";

// What a newcomer does on a fresh machine: no .env, no DATABASE_URL → PGlite, migrated on start.
describe("embedded mode start-up", () => {
  test("the API answers GET /api/system/health with 200 within 15 s, on PGlite", async () => {
    const dir = tempDir("embedded");
    const port = freePort();
    const proc = Bun.spawn(["bun", "src/index.ts"], {
      cwd: ROOT,
      env: childEnv({ PORT: String(port), PGLITE_DIR: dir, NODE_ENV: "development", LOG_LEVEL: "info" }),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const started = Date.now();
      const res = await waitForHttp(`http://127.0.0.1:${port}/api/system/health`, 15_000);
      expect(res.status).toBe(200);
      // Up and serving; "degraded" only because embedded mode has no Redis (docs/architecture.md).
      const body = (await res.json()) as { status: string; reasons?: string[] };
      expect(body.status).toBe("degraded");
      expect(body.reasons?.join(" ")).toContain("REDIS_URL");
      expect(Date.now() - started).toBeLessThan(15_000);
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
