import { describe, expect, test } from "bun:test";
import { connectWithRetry, createDb, DatabaseUnreachableError } from "../../src/db/client";
import { testConfig } from "../helpers/db";
import { childEnv, freePort, ROOT } from "../helpers/process";

describe("connect with retry", () => {
  test("gives up after the retries with a message naming the host, never the password", async () => {
    const port = freePort();
    const db = await createDb(
      testConfig({
        DATABASE_URL: `postgres://courtflow:s3cret-pass@127.0.0.1:${port}/app`,
        DATABASE_POOL_TIMEOUT_S: "1",
      }),
    );
    const started = Date.now();
    let caught: unknown;
    try {
      await connectWithRetry(db, { retries: 2, baseDelayMs: 20 });
    } catch (err) {
      caught = err;
    } finally {
      await db.close();
    }
    expect(caught).toBeInstanceOf(DatabaseUnreachableError);
    const message = (caught as Error).message;
    expect(message).toContain(`127.0.0.1:${port}/app`);
    expect(message).toContain("after 3 attempts");
    expect(message).not.toContain("s3cret-pass");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("the API process exits 1 with a clear line when PostgreSQL never answers", async () => {
    const port = freePort();
    const proc = Bun.spawn(["bun", "src/index.ts"], {
      cwd: ROOT,
      env: childEnv({
        DATABASE_URL: `postgres://courtflow:hunter2-secret@127.0.0.1:${port}/courtflow`,
        DATABASE_CONNECT_RETRIES: "1",
        DATABASE_POOL_TIMEOUT_S: "1",
        LOG_LEVEL: "silent",
        NODE_ENV: "test",
        PORT: String(freePort()),
      }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach PostgreSQL at 127.0.0.1:${port}/courtflow`);
    expect(stderr).not.toContain("hunter2-secret");
  });
});
