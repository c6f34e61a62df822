import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { childEnv, freePort, ROOT, tempDir } from "../../test/helpers/process";

// Real processes the way operators run them: the operator scripts, the API and the worker, each with
// only the environment given (childEnv drops any inherited DATABASE_*/REDIS_* variables).

export const SECURE_JWT_SECRET = "secure-suite-jwt-secret-0123456789-abcdef";
/** Production refuses to start without a metrics token (or METRICS_PUBLIC=true); the suite does not read metrics. */
export const SECURE_METRICS_TOKEN = "secure-suite-metrics-token-0123456789";

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (`bun --no-env-file <script> …` for the scripts), in an empty directory. */
export async function run(args: string[], env: Record<string, string | undefined>): Promise<Finished> {
  const cwd = tempDir("secure-run");
  try {
    const proc = Bun.spawn(args, {
      cwd,
      env: childEnv({ LOG_LEVEL: "warn", ...env }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

export const script = (name: string, args: string[], env: Record<string, string | undefined>) =>
  run(["bun", "--no-env-file", join(ROOT, "scripts", name), ...args], env);

/** `bun src/index.ts` / `bun workers/index.ts` until it exits by itself (a start-up that must fail). */
export const entry = (file: "src/index.ts" | "workers/index.ts", env: Record<string, string | undefined>) =>
  run(["bun", "--no-env-file", join(ROOT, file)], {
    NODE_ENV: "production",
    JWT_SECRET: SECURE_JWT_SECRET,
    METRICS_TOKEN: SECURE_METRICS_TOKEN,
    ...env,
  });

export interface Service {
  port: number;
  base: string;
  output(): string;
  stop(): Promise<number>;
}

/** The worker process, running until stopped; ready once its /health lists the queues. */
export async function startWorkerProcess(env: Record<string, string | undefined>): Promise<Service> {
  const port = freePort();
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(["bun", "--no-env-file", "workers/index.ts"], {
    cwd: ROOT,
    env: childEnv({
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      JWT_SECRET: SECURE_JWT_SECRET,
      METRICS_TOKEN: SECURE_METRICS_TOKEN,
      WORKER_PORT: String(port),
      DATABASE_POOL_MAX: "4",
      ...env,
    }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  void drain(proc.stdout);
  void drain(proc.stderr);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`worker exited with ${proc.exitCode}:\n${text}`);
    try {
      const health = (await (await fetch(`${base}/health`)).json()) as { queues?: unknown[] };
      if ((health.queues?.length ?? 0) > 0) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`worker did not start its queues:\n${text}`);
    await Bun.sleep(100);
  }
  return {
    port,
    base,
    output: () => text,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(20_000).then(() => false)]);
      if (!done) proc.kill("SIGKILL");
      return proc.exited;
    },
  };
}
