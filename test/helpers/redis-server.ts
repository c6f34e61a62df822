import { describe } from "bun:test";
import { rmSync } from "node:fs";
import type { Subprocess } from "bun";
import { describePg } from "./guards";
import { freePort, tempDir } from "./process";
import { redisReachable } from "./services";

/** Whether the `redis-server` binary is on this machine (tests that need their own server skip otherwise). */
export const REDIS_SERVER_BIN = Bun.which("redis-server");

/** describe() for tests that run their own redis-server (and the app, so PostgreSQL too). */
export const describePgOwnRedis = (name: string, fn: () => void) =>
  REDIS_SERVER_BIN ? describePg(name, fn) : describe.skip(`${name} [needs the redis-server binary]`, fn);

export const describeOwnRedis = (name: string, fn: () => void) =>
  REDIS_SERVER_BIN ? describe(name, fn) : describe.skip(`${name} [needs the redis-server binary]`, fn);

/**
 * A private, throw-away redis-server on a free port (no persistence, not daemonized), for tests that
 * stop, pause and restart Redis without touching the shared one.
 */
export interface PrivateRedis {
  port: number;
  url(db?: number, auth?: string): string;
  /** SIGKILL: the server vanishes, as in a crash. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its sockets but stops answering (a hung or overloaded Redis). */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port (empty: nothing is persisted). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  if (!REDIS_SERVER_BIN) throw new Error("redis-server is not installed");
  const port = freePort();
  const dir = tempDir("redis");
  let proc: Subprocess | null = null;

  async function start(): Promise<void> {
    proc = Bun.spawn(
      [
        REDIS_SERVER_BIN!,
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--dir",
        dir,
        ...extraArgs,
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    const deadline = Date.now() + 5000;
    while (!(await redisReachable(`redis://127.0.0.1:${port}`))) {
      if (Date.now() > deadline || proc.exitCode !== null) {
        throw new Error(
          `redis-server did not start on ${port}: ${await new Response(proc.stderr as ReadableStream).text()}`,
        );
      }
      await Bun.sleep(20);
    }
  }

  async function kill(): Promise<void> {
    const p = proc;
    proc = null;
    if (!p) return;
    p.kill("SIGCONT");
    p.kill("SIGKILL");
    await p.exited;
  }

  await start();
  return {
    port,
    url: (db = 0, auth = "") => `redis://${auth ? `${auth}@` : ""}127.0.0.1:${port}/${db}`,
    kill,
    pause: () => proc?.kill("SIGSTOP"),
    resume: () => proc?.kill("SIGCONT"),
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
