import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { childEnv, freePort, ROOT } from "../../test/helpers/process";

// The API and the worker as real processes, the way they run in production (NODE_ENV=production,
// services mode), with their output kept for the checks: a crash or an unhandled rejection prints to
// stderr and ends the process, which the scenarios assert never happens.

export const CHAOS_JWT_SECRET = "chaos-jwt-secret-chaos-jwt-secret-0123456789";

export interface ServiceEnv {
  databaseUrl: string;
  redisUrl: string;
  extra?: Record<string, string>;
}

export interface ChaosProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  base: string;
  /** Everything printed so far. */
  output(): string;
  /** Resolves once both output pipes are read to their end (after an exit: the output is complete). */
  drained(): Promise<void>;
  /** Resident memory now (VmRSS), MB. */
  rssMb(): number;
  alive(): boolean;
  /** Signal and wait for the exit code (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number>;
}

/** Production refuses to start without it; probes of the detailed report send it. */
export const CHAOS_METRICS_TOKEN = "chaos-metrics-token-0123456789";

function envFor(s: ServiceEnv, port: number, portVar: "PORT" | "WORKER_PORT"): Record<string, string> {
  return childEnv({
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    JWT_SECRET: CHAOS_JWT_SECRET,
    METRICS_TOKEN: CHAOS_METRICS_TOKEN,
    [portVar]: String(port),
    API_RATE_LIMIT_PER_MIN: "1000000",
    LOGIN_RATE_LIMIT_PER_MIN: "1000",
    ...s.extra,
  });
}

async function waitFor(
  url: string,
  proc: Subprocess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null)
      throw new Error(`exited with ${proc.exitCode} before answering:\n${output()}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${output()}`);
}

async function spawnService(
  entry: string,
  env: Record<string, string>,
  port: number,
  readyPath: string,
): Promise<ChaosProcess> {
  const proc = Bun.spawn(["bun", "--no-env-file", entry], {
    cwd: ROOT,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)]).then(() => {});
  const base = `http://127.0.0.1:${port}`;
  const output = () => text;
  await waitFor(`${base}${readyPath}`, proc, 30_000, output);
  return {
    proc,
    port,
    base,
    output,
    drained: () => drained,
    alive: () => proc.exitCode === null,
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : Number.NaN;
    },
    async stop(signal = "SIGTERM", graceMs = 20_000) {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
      if (!done) proc.kill("SIGKILL");
      return proc.exited;
    },
  };
}

export function startApi(s: ServiceEnv): Promise<ChaosProcess> {
  const port = freePort();
  // Ready, not live: the API listens at once and answers 503 "starting" until migrations and pools are up.
  return spawnService("src/index.ts", envFor(s, port, "PORT"), port, "/api/system/health/ready");
}

export function startWorker(s: ServiceEnv): Promise<ChaosProcess> {
  const port = freePort();
  return spawnService("workers/index.ts", envFor(s, port, "WORKER_PORT"), port, "/health");
}

/** Lines a crash leaves on stderr (Bun prints `error: …` for an uncaught error or rejection). */
export function crashLines(output: string): string[] {
  return output
    .split("\n")
    .filter((l) => !l.startsWith("{") && /(^|\s)(error|Unhandled|uncaught|panic)\b/i.test(l));
}
