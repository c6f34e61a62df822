import { describe, expect, test } from "bun:test";
import { apiProcessCount, EnvError, loadConfig } from "../../src/config/env";
import { childEnv, ROOT } from "../helpers/process";

function problemsOf(env: Record<string, string>, opts: { serving?: boolean } = {}): string[] {
  try {
    loadConfig(env, opts);
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
}

describe("config/env", () => {
  test("defaults give a runnable development config in embedded mode", () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3001);
    expect(config.NODE_ENV).toBe("development");
    expect(config.DATABASE_POOL_MAX).toBe(10);
    expect(config.DATABASE_POOL_TIMEOUT_S).toBe(10);
    expect(config.DATABASE_QUERY_TIMEOUT_MS).toBe(30_000);
    expect(config.JWT_EXPIRES_IN).toBe("1h");
    expect(config.JWT_REFRESH_EXPIRES_IN).toBe("7d");
    expect(config.embeddedDatabase).toBe(true);
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(config.warnings.join()).toContain("JWT_SECRET");
  });

  test("each bad field is named, all at once", () => {
    const problems = problemsOf({
      PORT: "eighty",
      DATABASE_URL: "mysql://db/x",
      DATABASE_POOL_MAX: "0",
      DATABASE_SSL: "sometimes",
      DATABASE_PREPARE: "maybe",
      REDIS_URL: "http://cache",
      JWT_SECRET: "too-short",
      JWT_EXPIRES_IN: "forever",
      LOG_LEVEL: "loud",
      REDIS_SENTINELS: "a:1,b",
    });
    const fields = problems.map((p) => p.split(":")[0]);
    expect(fields.sort()).toEqual(
      [
        "DATABASE_POOL_MAX",
        "DATABASE_PREPARE",
        "DATABASE_SSL",
        "DATABASE_URL",
        "JWT_EXPIRES_IN",
        "JWT_SECRET",
        "LOG_LEVEL",
        "PORT",
        "REDIS_SENTINELS",
        "REDIS_URL",
      ].sort(),
    );
  });

  test("production requires DATABASE_URL and JWT_SECRET", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.some((p) => p.startsWith("DATABASE_URL:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("JWT_SECRET:"))).toBe(true);
  });

  test("API_PROCESSES: 1 by default, a number or auto (the cores); several need PostgreSQL, Redis, one secret and a fixed port", () => {
    const services = {
      DATABASE_URL: "postgres://db/x",
      REDIS_URL: "redis://r:6379/0",
      JWT_SECRET: "s".repeat(40),
    };
    expect(loadConfig({}).apiProcesses).toBe(1);
    expect(loadConfig({ ...services, API_PROCESSES: "3" }).apiProcesses).toBe(3);
    expect(apiProcessCount("auto", 8)).toBe(8);
    expect(loadConfig({ ...services, API_PROCESSES: "auto" }).apiProcesses).toBe(
      navigator.hardwareConcurrency,
    );
    for (const bad of ["0", "-1", "two", "1.5"]) {
      expect(() => loadConfig({ API_PROCESSES: bad })).toThrow("API_PROCESSES: must be a whole number");
    }
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as EnvError).problems;
      }
    };
    // Embedded mode: one process owns the PGlite directory.
    expect(problems({ API_PROCESSES: "2", NODE_ENV: "development" }).join("\n")).toContain(
      "needs DATABASE_URL: embedded mode's PGlite directory is owned by one process",
    );
    expect(problems({ ...services, REDIS_URL: "", API_PROCESSES: "2" }).join("\n")).toContain(
      "needs REDIS_URL",
    );
    expect(problems({ ...services, JWT_SECRET: "", NODE_ENV: "test", API_PROCESSES: "2" })[0]).toStartWith(
      "JWT_SECRET:",
    );
    expect(problems({ ...services, PORT: "0", API_PROCESSES: "2" })[0]).toStartWith("PORT:");
    expect(problems({ ...services, METRICS_PORT: "65535", API_PROCESSES: "2" })[0]).toStartWith(
      "METRICS_PORT:",
    );
    expect(problems({ ...services, METRICS_PORT: "9100", API_PROCESSES: "2" })).toEqual([]);
  });

  test("DIRECT_DATABASE_URL defaults to DATABASE_URL for migrations; lists are split", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u@h/db",
      ALLOWED_ORIGINS: "https://a.example, https://b.example",
      DATABASE_REPLICA_URLS: "postgres://r1/db,postgres://r2/db",
    });
    expect(config.migrationDatabaseUrl).toBe("postgres://u@h/db");
    expect(config.ALLOWED_ORIGINS).toEqual(["https://a.example", "https://b.example"]);
    expect(config.DATABASE_REPLICA_URLS).toHaveLength(2);
    expect(
      loadConfig({ DATABASE_URL: "postgres://a/b", DIRECT_DATABASE_URL: "postgres://c/d" })
        .migrationDatabaseUrl,
    ).toBe("postgres://c/d");
  });

  test("the API process exits 1 with one line per bad field and no stack trace", async () => {
    const proc = Bun.spawn(["bun", "src/index.ts"], {
      cwd: ROOT,
      env: childEnv({ PORT: "x", DATABASE_SSL: "nope", NODE_ENV: "development" }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toContain("invalid configuration");
    expect(lines.filter((l) => l.trim().startsWith("PORT:"))).toHaveLength(1);
    expect(lines.filter((l) => l.trim().startsWith("DATABASE_SSL:"))).toHaveLength(1);
    expect(stderr).not.toContain("    at ");
  });

  const PROD = {
    NODE_ENV: "production",
    DATABASE_URL: "postgres://u@h/db",
    JWT_SECRET: "a-production-secret-of-at-least-32-chars",
  };

  test("production refuses to serve without METRICS_TOKEN or METRICS_PUBLIC=true, in one line naming both", () => {
    const problems = problemsOf(PROD, { serving: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith("METRICS_TOKEN: required in production");
    expect(problems[0]).toContain("METRICS_PUBLIC=true");
    expect(problems[0]).not.toContain("\n");
    // Scripts (migrate, seed) serve nothing and need no token.
    expect(problemsOf(PROD)).toEqual([]);
    // Development keeps its open metrics.
    expect(problemsOf({}, { serving: true })).toEqual([]);
  });

  test("production serves with a token, or with METRICS_PUBLIC=true and a warning; not with both", () => {
    const withToken = loadConfig({ ...PROD, METRICS_TOKEN: "a-metrics-token-0123" }, { serving: true });
    expect(withToken.METRICS_TOKEN).toBe("a-metrics-token-0123");
    expect(withToken.METRICS_PUBLIC).toBe(false);
    const open = loadConfig({ ...PROD, METRICS_PUBLIC: "true", HOST: "0.0.0.0" }, { serving: true });
    expect(open.METRICS_PUBLIC).toBe(true);
    expect(open.warnings.join("\n")).toContain("METRICS_PUBLIC=true");
    const both = problemsOf(
      { ...PROD, METRICS_PUBLIC: "true", METRICS_TOKEN: "a-metrics-token-0123" },
      { serving: true },
    );
    expect(both.map((p) => p.split(":")[0])).toEqual(["METRICS_PUBLIC"]);
  });

  test("HOST binds loopback unless set; production says so when it is not set; bad values are named", () => {
    expect(loadConfig({}).HOST).toBe("127.0.0.1");
    expect(loadConfig({ HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "::" }).HOST).toBe("::");
    const prod = loadConfig({ ...PROD, METRICS_TOKEN: "a-metrics-token-0123" }, { serving: true });
    expect(prod.warnings.join("\n")).toContain("HOST is not set");
    const problems = problemsOf({ HOST: "http://0.0.0.0:80", METRICS_PORT: "x", METRICS_HOST: "a b" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["HOST", "METRICS_HOST", "METRICS_PORT"]);
  });

  test("production without CACHE_REDIS_URL warns that the cache shares the queue's Redis", () => {
    const base = { ...PROD, METRICS_TOKEN: "a-metrics-token-0123", REDIS_URL: "redis://r:6379" };
    expect(loadConfig(base, { serving: true }).warnings.join("\n")).toContain("CACHE_REDIS_URL is not set");
    const separate = loadConfig({ ...base, CACHE_REDIS_URL: "redis://c:6379" }, { serving: true });
    expect(separate.warnings.join("\n")).not.toContain("CACHE_REDIS_URL");
    expect(separate.CACHE_NAMESPACE_MAX_BYTES).toBe(64 * 1024 * 1024);
    expect(separate.MEASURES_CACHE_WRITES_PER_USER_PER_HOUR).toBe(300);
  });

  for (const entry of ["src/index.ts", "workers/index.ts"]) {
    test(`${entry} in production without METRICS_TOKEN exits 1 naming METRICS_TOKEN and METRICS_PUBLIC`, async () => {
      const proc = Bun.spawn(["bun", entry], {
        cwd: ROOT,
        env: childEnv({ ...PROD, DATABASE_URL: "postgres://root@127.0.0.1:1/none" }),
        stdout: "pipe",
        stderr: "pipe",
      });
      const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines[0]).toContain("invalid configuration");
      const named = lines.filter((l) => l.includes("METRICS_TOKEN"));
      expect(named).toHaveLength(1);
      expect(named[0]).toContain("METRICS_PUBLIC=true");
      expect(stderr).not.toContain("    at ");
    });
  }
});

describe("empty values are unset, in the app and in drizzle.config.ts alike", () => {
  test("`cp .env.example .env`: drizzle-kit (db:studio) targets DATABASE_URL, not the embedded directory", async () => {
    const { cpSync, rmSync } = await import("node:fs");
    const { tempDir } = await import("../helpers/process");
    const dir = tempDir("dotenv");
    try {
      // Bun reads .env from the working directory, as drizzle-kit's process does: the example's
      // `DIRECT_DATABASE_URL=            # comment` is an empty string there.
      cpSync(`${ROOT}/.env.example`, `${dir}/.env`);
      const proc = Bun.spawn(
        [
          "bun",
          "-e",
          `const c = (await import(${JSON.stringify(`${ROOT}/drizzle.config.ts`)})).default; console.log(JSON.stringify({ driver: c.driver ?? null, ...c.dbCredentials }))`,
        ],
        { cwd: dir, env: childEnv({}), stdout: "pipe", stderr: "pipe" },
      );
      const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(code).toBe(0);
      expect(JSON.parse(out)).toEqual({
        driver: null,
        url: "postgres://postgres:postgres@127.0.0.1:5432/courtflow",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("blank and whitespace-only values fall back to the next choice or the default", async () => {
    const { drizzleKitDatabase } = await import("../../src/config/env");
    expect(drizzleKitDatabase({ DIRECT_DATABASE_URL: "", DATABASE_URL: "postgres://h/db" })).toEqual({
      url: "postgres://h/db",
    });
    expect(drizzleKitDatabase({ DIRECT_DATABASE_URL: "  ", DATABASE_URL: "", PGLITE_DIR: "" })).toEqual({
      pgliteDir: ".data/pglite",
    });
    const config = loadConfig({ DIRECT_DATABASE_URL: " ", DATABASE_URL: "postgres://h/db", PORT: "" });
    expect(config.migrationDatabaseUrl).toBe("postgres://h/db");
    expect(config.PORT).toBe(3001);
  });
});
