import type { Subprocess } from "bun";
import { childEnv, freePort, ROOT, waitForHttp } from "../helpers/process";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/services";

// A real worker process (`bun workers/index.ts`) on the test database and Redis.

export interface WorkerProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  /** Everything it printed so far (for failure messages). */
  output(): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const port = freePort();
  const proc = Bun.spawn(["bun", "workers/index.ts"], {
    cwd: ROOT,
    env: childEnv({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      WORKER_PORT: String(port),
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      DATABASE_POOL_MAX: "4",
      ...env,
    }),
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)]);
  await waitForHttp(`http://127.0.0.1:${port}/health`, 60_000, { proc, output: () => text });
  // Fully started (schedulers registered) once /health lists its queues.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { queues: string[] };
    if (health.queues.length > 0) break;
    if (Date.now() > deadline) throw new Error(`worker did not start its queues: ${text}`);
    await Bun.sleep(50);
  }
  return {
    proc,
    port,
    async output() {
      await Promise.race([drained, Bun.sleep(50)]);
      return text;
    },
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      return proc.exited;
    },
  };
}
