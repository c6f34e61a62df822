import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

// The processes `bun run bench` starts and stops itself: the app and the bare baselines (the import
// benchmark starts its own API and worker).
// Each listens on a free loopback port and gets only the environment it is given plus PATH/HOME,
// so a developer's DATABASE_URL or .env never leaks into a measurement.

export const ROOT = join(import.meta.dir, "../..");

export function tempDirFor(what: string): string {
  return mkdtempSync(join(tmpdir(), `courtflow-bench-${what}-`));
}

export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = s.port ?? 0;
  s.stop(true);
  return port;
}

export interface Started {
  proc: Subprocess;
  port: number;
  base: string;
  stop(): Promise<void>;
}

function baseEnv(extra: Record<string, string>): Record<string, string> {
  const keep = ["PATH", "HOME", "TMPDIR", "LANG"];
  const env: Record<string, string> = {};
  for (const k of keep) if (process.env[k]) env[k] = process.env[k]!;
  return { ...env, ...extra };
}

/** Waits for `url` to answer with a status `accept` likes (default: 200). */
export async function waitForOk(
  url: string,
  timeoutMs: number,
  proc?: Subprocess,
  accept: (status: number) => boolean = (s) => s === 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`${url}: the process exited with ${proc.exitCode}`);
    try {
      if (accept((await fetch(url)).status)) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms`);
}

export interface StartOptions {
  port: number;
  readyPath: string;
  timeoutMs?: number;
  flags?: string[];
  accept?: (status: number) => boolean;
  /** Also wait for these URLs to answer 200 (a supervisor's children, each on its metrics port). */
  alsoReady?: string[];
  /** Working directory (default: the repository). */
  cwd?: string;
}

/** Spawns `bun <args>` in the repository with the given env; resolves once `readyPath` answers 200. */
export function startBun(args: string[], env: Record<string, string>, opts: StartOptions): Promise<Started> {
  return startCommand(["bun", "--no-env-file", ...(opts.flags ?? []), ...args], env, opts);
}

/** Spawns any command with the given env (plus PATH/HOME); resolves once `readyPath` answers 200. */
export async function startCommand(
  cmd: string[],
  env: Record<string, string>,
  opts: StartOptions,
): Promise<Started> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? ROOT,
    env: baseEnv(env),
    stdout: "inherit",
    stderr: "inherit",
  });
  const base = `http://127.0.0.1:${opts.port}`;
  try {
    await waitForOk(`${base}${opts.readyPath}`, opts.timeoutMs ?? 60_000, proc, opts.accept);
    for (const url of opts.alsoReady ?? []) await waitForOk(url, opts.timeoutMs ?? 60_000, proc);
  } catch (err) {
    proc.kill("SIGKILL");
    throw err;
  }
  return {
    proc,
    port: opts.port,
    base,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!exited) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** A bare baseline server (scripts/lib/bench-bare-server.ts); ready at its first HTTP answer. */
export function startBare(mode: "json" | "pk" | "redis", args: string[] = []): Promise<Started> {
  const port = freePort();
  return startBun(
    ["scripts/lib/bench-bare-server.ts", mode, String(port), ...args],
    {},
    {
      port,
      readyPath: "/",
      timeoutMs: 15_000,
      accept: (status) => status < 500,
    },
  );
}

/** Two consecutive free loopback ports (for METRICS_PORT + index of a two-process API). */
export function freePortPair(): number {
  for (let i = 0; i < 50; i++) {
    const p = freePort();
    if (p < 65535 && portIsFree(p + 1)) return p;
  }
  throw new Error("no two consecutive free ports found");
}

function portIsFree(port: number): boolean {
  try {
    Bun.serve({ port, hostname: "127.0.0.1", fetch: () => new Response("") }).stop(true);
    return true;
  } catch {
    return false;
  }
}
