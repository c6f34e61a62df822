import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import Redis from "ioredis";
import { migratePostgres } from "../../src/db/migrate";
import { childEnv, freePort, ROOT, tempDir } from "../../test/helpers/process";
import { ensureTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL } from "../../test/helpers/services";

// The API (and, in services mode, a worker) as real processes for the browser tests:
//   embedded  no DATABASE_URL / REDIS_URL: PGlite in a temp directory, filled with the demo data on
//             first start exactly as `bun run dev` does; jobs run in the API process.
//   services  PostgreSQL (TEST_DATABASE_URL's server, database <name>_e2e, emptied and seeded with the
//             real seed script) and Redis (TEST_REDIS_URL's db, emptied), plus a worker process.

export type Mode = "embedded" | "services";

export const JWT_SECRET = "e2e-jwt-secret-e2e-jwt-secret-0123456789ab";
export const LOGINS = {
  admin: { email: "admin@courtflow.dev", password: "dev-admin-password" },
  courtAdmin: { email: "court.admin@courtflow.dev", password: "dev-court-admin-password" },
  analyst: { email: "analyst@courtflow.dev", password: "dev-analyst-password" },
  viewer: { email: "viewer@courtflow.dev", password: "dev-viewer-password" },
} as const;

interface Proc {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  output(): string;
  stop(): Promise<void>;
}

function spawn(entry: string, env: Record<string, string>): Proc {
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
  void drain(proc.stdout);
  void drain(proc.stderr);
  return {
    proc,
    output: () => text,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!done) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

async function until(what: string, proc: Proc, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.proc.exitCode !== null)
      throw new Error(`exited (${proc.proc.exitCode}) before ${what}:\n${proc.output()}`);
    if (await check()) return;
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}:\n${proc.output().slice(-4000)}`);
}

export interface RunningApi {
  mode: Mode;
  base: string;
  /** Everything the API and the worker printed (checked for crashes). */
  output(): string;
  stop(): Promise<void>;
}

const today = () => new Date().toISOString().slice(0, 10);

export function e2eDatabaseUrl(): string {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `${u.pathname.replace(/\/$/, "")}_e2e`;
  return u.toString();
}

async function seedServices(databaseUrl: string, redisUrl: string): Promise<void> {
  if (!(await ensureTestDatabase(databaseUrl))) throw new Error(`PostgreSQL unreachable at ${databaseUrl}`);
  await migratePostgres(databaseUrl);
  const cwd = tempDir("e2e-seed");
  try {
    const seed = Bun.spawn(
      [
        "bun",
        "--no-env-file",
        join(ROOT, "scripts/seed.ts"),
        "dev",
        "--cases",
        "3000",
        "--as-of",
        today(),
        "--force",
      ],
      {
        cwd,
        env: childEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" }),
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [out, err, code] = await Promise.all([
      new Response(seed.stdout).text(),
      new Response(seed.stderr).text(),
      seed.exited,
    ]);
    if (code !== 0) throw new Error(`seed failed (${code}): ${err || out}`);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    if ((redis.options.db ?? 0) === 0)
      throw new Error("refusing to empty Redis db 0: set TEST_REDIS_URL to a dedicated db");
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

export async function startApi(mode: Mode): Promise<RunningApi> {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const common = {
    PORT: String(port),
    LOG_LEVEL: "info",
    JWT_SECRET,
    LOGIN_RATE_LIMIT_PER_MIN: "1000",
    API_RATE_LIMIT_PER_MIN: "100000",
  };
  if (mode === "embedded") {
    const dir = tempDir("e2e-pglite");
    const api = spawn(
      "src/index.ts",
      childEnv({ ...common, NODE_ENV: "test", PGLITE_DIR: join(dir, "pglite") }),
    );
    try {
      // The demo data are seeded in the background after the API listens; the figures need all of it.
      await until(
        "the embedded demo data",
        api,
        () => api.output().includes("embedded demo data ready"),
        300_000,
      );
    } catch (err) {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      mode,
      base,
      output: api.output,
      async stop() {
        await api.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const databaseUrl = e2eDatabaseUrl();
  await seedServices(databaseUrl, TEST_REDIS_URL);
  const env = {
    ...common,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    // Production guards metrics and the detailed report with a token; the dashboard then shows the quick health.
    METRICS_TOKEN: "e2e-metrics-token-e2e-metrics-token",
  };
  const api = spawn("src/index.ts", childEnv(env));
  const worker = spawn(
    "workers/index.ts",
    childEnv({ ...env, PORT: undefined, WORKER_PORT: String(freePort()) }),
  );
  const answers = async (url: string) => {
    try {
      return (await fetch(url)).status === 200;
    } catch {
      return false;
    }
  };
  try {
    await until("the API", api, () => answers(`${base}/api/system/health/ready`), 60_000);
    await until("the worker", worker, () => worker.output().includes("courtflow worker started"), 60_000);
  } catch (err) {
    await Promise.all([api.stop(), worker.stop()]);
    throw err;
  }
  return {
    mode,
    base,
    output: () => `${api.output()}\n${worker.output()}`,
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
    },
  };
}

/** Lines a crash leaves (Bun prints `error: …` for an uncaught error or rejection). */
export function crashLines(output: string): string[] {
  return output
    .split("\n")
    .filter((l) => !l.startsWith("{") && /(^|\s)(error|Unhandled|uncaught|panic)\b/i.test(l));
}

export async function apiLogin(base: string, who: { email: string; password: string }) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(who),
  });
  if (res.status !== 200) throw new Error(`login ${who.email}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}

export async function apiGet<T>(base: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
