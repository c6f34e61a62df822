import { expect, test } from "bun:test";
import { describePg } from "../helpers/guards";
import { childEnv, freePort, ROOT, waitForHttp } from "../helpers/process";
import { TEST_DATABASE_URL } from "../helpers/services";

describePg("graceful shutdown of a real server process", () => {
  test("SIGTERM lets an in-flight slow request finish, refuses new work, and exits 0", async () => {
    const port = freePort();
    const proc = Bun.spawn(["bun", "test/fixtures/slow-server.ts"], {
      cwd: ROOT,
      env: childEnv({
        DATABASE_URL: TEST_DATABASE_URL,
        PORT: String(port),
        NODE_ENV: "test",
        LOG_LEVEL: "warn",
      }),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      // Readiness, polled: the deadline only stops a hang (start-up is slow on a loaded machine).
      await waitForHttp(`http://127.0.0.1:${port}/api/system/health`, 60_000, { proc });
      const inFlight = fetch(`http://127.0.0.1:${port}/test/slow?ms=1500`);
      await Bun.sleep(200);
      const signalledAt = Date.now();
      proc.kill("SIGTERM");

      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ finished: true });

      const code = await proc.exited;
      expect(code).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      // After exit nothing listens any more.
      await expect(fetch(`http://127.0.0.1:${port}/api/system/health`)).rejects.toThrow();
    } finally {
      proc.kill("SIGKILL");
    }
  });
});
