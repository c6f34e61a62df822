import { describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { lockFileOf } from "../../src/db/pglite-lock";
import { SEED_PROGRESS_FILE } from "../../src/db/seed/embedded";
import { childEnv, freePort, ROOT, tempDir, waitForHttp } from "../helpers/process";

// What a newcomer does on a fresh machine: no .env, no DATABASE_URL → PGlite, created and migrated on
// start. Opening a fresh PGlite directory takes seconds to a minute on a busy machine, so the test
// follows the process's own readiness rather than a wall clock (the bounds only stop a hang).

/** `bun src/index.ts` in development on the given directories, its output collected as it comes. */
function startApi(dataDir: string) {
  const port = freePort();
  const proc = Bun.spawn(["bun", "src/index.ts"], {
    cwd: ROOT,
    env: childEnv({
      PORT: String(port),
      PGLITE_DIR: join(dataDir, "pglite"),
      DATA_DIR: dataDir,
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      // Two chunks (250, then 500) and a third part-way: enough to cut and resume, a fifth of the default.
      EMBEDDED_DEMO_CASES: "1000",
    }),
    stdout: "pipe",
    stderr: "pipe",
  });
  // Both pipes drained as they come (a full stderr pipe would stall the child), for the failure message.
  let out = "";
  let err = "";
  const drain = async (stream: ReadableStream<Uint8Array>, add: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  void drain(proc.stdout, (text) => {
    out += text;
  });
  void drain(proc.stderr, (text) => {
    err += text;
  });
  const output = () => `--- stderr\n${err.slice(-4000)}\n--- stdout\n${out.slice(-4000)}`;
  return {
    proc,
    base: `http://127.0.0.1:${port}`,
    output,
    /** Readiness of the child, polled; the deadline only stops a hang. */
    ready(path: string, timeoutMs: number, ok?: (res: Response) => boolean) {
      return waitForHttp(`http://127.0.0.1:${port}${path}`, timeoutMs, { proc, output, ok });
    },
    async waitForLog(text: string, timeoutMs: number) {
      const until = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (Date.now() > until || proc.exitCode !== null) {
          const why = proc.exitCode !== null ? `exited with ${proc.exitCode}` : `not within ${timeoutMs} ms`;
          throw new Error(`no "${text}" (${why})\n${output()}`);
        }
        await Bun.sleep(100);
      }
    },
  };
}

const json = { "content-type": "application/json" };

describe("embedded mode start-up", () => {
  test("liveness at once, 'starting' until PGlite is migrated; then a restart keeps the logins and finishes the demo seed", async () => {
    const dir = tempDir("embedded");
    const first = startApi(dir);
    let second: ReturnType<typeof startApi> | null = null;
    try {
      const live = await first.ready("/api/system/health/live", 120_000);
      expect(live.status).toBe(200);
      expect(((await live.json()) as { status: string }).status).toBe("ok");

      // initdb of a fresh directory takes seconds: the next requests still meet the starting listener.
      const health = await fetch(`${first.base}/api/system/health`);
      expect(health.status).toBe(503);
      expect(health.headers.get("cache-control")).toBe("no-store");
      const hb = (await health.json()) as { status: string; reasons: string[] };
      expect(hb.status).toBe("starting");
      // What start-up is doing: loading the application, then creating and migrating the database.
      expect(hb.reasons).toEqual([expect.stringMatching(/application|embedded database/)]);
      const ready = await fetch(`${first.base}/api/system/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reason: string }).reason).toBe("starting");
      const courts = await fetch(`${first.base}/api/courts`);
      expect(courts.status).toBe(503);
      expect(courts.headers.get("retry-after")).toBe("2");
      const body = (await courts.json()) as { error: { code: string; message: string; requestId: string } };
      expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
      expect(body.error.message).toStartWith("CourtFlow is starting (");
      expect(body.error.requestId).toBe(courts.headers.get("x-request-id")!);

      const up = await first.ready("/api/system/health", 170_000, (r) => r.status === 200);
      // Up and serving; "degraded" only because embedded mode has no Redis (docs/architecture.md).
      const upBody = (await up.json()) as { status: string; reasons?: string[] };
      expect(upBody.status).toBe("degraded");
      expect(upBody.reasons?.join(" ")).toContain("REDIS_URL");
      expect((await fetch(`${first.base}/api/system/health/ready`)).status).toBe(200);

      // The demo logins exist before the cases: log in while the seed is still loading.
      await first.waitForLog("demo logins ready", 120_000);
      const login = await fetch(`${first.base}/api/auth/login`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ email: "admin@courtflow.dev", password: "dev-admin-password" }),
      });
      expect(login.status).toBe(200);
      const tokens = (await login.json()) as { accessToken: string; refreshToken: string };
      const bearer = { authorization: `Bearer ${tokens.accessToken}` };
      expect((await fetch(`${first.base}/api/auth/me`, { headers: bearer })).status).toBe(200);

      // Stopped mid-seed (Ctrl-C, or bun --watch restarting at a save).
      first.proc.kill("SIGTERM");
      expect(await first.proc.exited).toBe(0);
      expect(existsSync(lockFileOf(join(dir, "pglite")))).toBe(false);
      const seedWasCut = existsSync(join(dir, "pglite", SEED_PROGRESS_FILE));

      second = startApi(dir);
      await second.ready("/api/system/health", 120_000, (r) => r.status === 200);
      // Same secret (DATA_DIR/jwt-secret), same session (DATA_DIR/sessions.json): still logged in.
      const me = await fetch(`${second.base}/api/auth/me`, { headers: bearer });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { email: string }).email).toBe("admin@courtflow.dev");
      const refreshed = await fetch(`${second.base}/api/auth/refresh`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ refreshToken: tokens.refreshToken }),
      });
      expect(refreshed.status).toBe(200);
      if (seedWasCut) await second.waitForLog("resuming the embedded demo seed", 60_000);
      // The seed (finished by the first run, or resumed by this one) made exactly the configured size.
      await (seedWasCut ? second : first).waitForLog("embedded demo data ready", 120_000);
      const cases = await fetch(`${second.base}/api/cases?includeTotal=true&limit=1`, { headers: bearer });
      expect(cases.status).toBe(200);
      expect(((await cases.json()) as { total: number }).total).toBe(1000);
      second.proc.kill("SIGTERM");
      expect(await second.proc.exited).toBe(0);
    } finally {
      first.proc.kill("SIGKILL");
      second?.proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);
});
