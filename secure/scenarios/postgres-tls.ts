import { describe, expect, test } from "bun:test";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { dumpDatabase, findTool, serverVersionOf } from "../../scripts/lib/pg-tools";
import { connectWithRetry, createDb, DatabaseRefusedError, type DbHandle } from "../../src/db/client";
import { DatabaseTlsConfigError } from "../../src/db/tls";
import { tempDir } from "../../test/helpers/process";
import { world } from "../lib/context";
import { configFrom } from "../lib/flows";
import { entry, script } from "../lib/processes";
import { OWNER, RUNTIME } from "../lib/tls-postgres";

// PostgreSQL over TLS: verified against the deployment's CA, by the API, the worker and the scripts,
// with every way it can go wrong refused at start-up in one line — never a plain-text fallback (the
// server below would refuse plain text anyway, so any connection that works was encrypted).

async function session(
  env: Record<string, string>,
): Promise<{ ssl: boolean; version: string; user: string }> {
  const db = await createDb(configFrom(env));
  try {
    await connectWithRetry(db, { retries: 0 });
    const [row] = await db.sql!<{ ssl: boolean; version: string; user: string }[]>`
      select s.ssl, s.version, current_user as user from pg_stat_ssl s where s.pid = pg_backend_pid()`;
    return row!;
  } finally {
    await db.close();
  }
}

async function refusal(env: Record<string, string>): Promise<string> {
  let db: DbHandle | null = null;
  try {
    db = await createDb(configFrom(env));
    await connectWithRetry(db, { retries: 3, baseDelayMs: 10 });
  } catch (err) {
    if (err instanceof DatabaseRefusedError || err instanceof DatabaseTlsConfigError) return err.message;
    throw err;
  } finally {
    await db?.close();
  }
  throw new Error("connected, but should have been refused");
}

/** A server that answers the SSL request with "N", as PostgreSQL or PgBouncer without TLS do. */
function plainServer() {
  return Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(s) {
        s.write("N");
      },
    },
  });
}

/** stderr lines that are not blank. */
const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

export function postgresTlsScenario(): void {
  describe("PostgreSQL TLS", () => {
    test("DATABASE_SSL=verify-full with DATABASE_SSL_CA: the server reports the session encrypted", async () => {
      const s = await session(world().directEnv);
      expect(s).toEqual({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/), user: RUNTIME.user });
    });

    test("a URL's own sslmode=verify-full&sslrootcert=<file> is honoured (postgres.js alone ignores the file)", async () => {
      const w = world();
      const url = `${w.pg.url(RUNTIME)}?sslmode=verify-full&sslrootcert=${encodeURIComponent(w.certs.ca)}`;
      expect((await session({ DATABASE_URL: url })).ssl).toBe(true);
      // The same URL with the other CA is refused: the file is what is checked against.
      const wrong = `${w.pg.url(RUNTIME)}?sslmode=verify-full&sslrootcert=${encodeURIComponent(w.certs.wrongCa)}`;
      expect(await refusal({ DATABASE_URL: wrong })).toContain(`not signed by the CA in ${w.certs.wrongCa}`);
    });

    test("a URL cannot weaken DATABASE_SSL: sslmode=disable under verify-full still verifies", async () => {
      const w = world();
      const url = `${w.pg.url(RUNTIME, "127.0.0.1")}?sslmode=disable`;
      expect(await refusal({ ...w.pgTls, DATABASE_URL: url })).toContain("does not name the host");
    });

    test("a wrong CA, a wrong host name and a server without TLS are refused at once, never retried in plain text", async () => {
      const w = world();
      expect(await refusal({ ...w.directEnv, DATABASE_SSL_CA: w.certs.wrongCa })).toContain(
        `not signed by the CA in ${w.certs.wrongCa}`,
      );
      // The certificate names `localhost` only.
      expect(await refusal({ ...w.pgTls, DATABASE_URL: w.pg.url(RUNTIME, "127.0.0.1") })).toContain(
        "does not name the host",
      );
      const plain = plainServer();
      try {
        const message = await refusal({
          DATABASE_SSL: "require",
          DATABASE_URL: `postgres://x:y@127.0.0.1:${plain.port}/db`,
          DATABASE_POOL_TIMEOUT_S: "1",
        });
        expect(message).toContain('the server does not accept TLS (it answered "N"');
      } finally {
        plain.stop(true);
      }
    });

    test("require encrypts without verifying: a host name the certificate lacks still connects", async () => {
      const w = world();
      const s = await session({ DATABASE_SSL: "require", DATABASE_URL: w.pg.url(RUNTIME, "127.0.0.1") });
      expect(s.ssl).toBe(true);
    });

    test("verify-ca checks the chain but not the host name", async () => {
      const w = world();
      const env = {
        DATABASE_SSL: "verify-ca",
        DATABASE_SSL_CA: w.certs.ca,
        DATABASE_URL: w.pg.url(RUNTIME, "127.0.0.1"),
      };
      expect((await session(env)).ssl).toBe(true);
      expect(await refusal({ ...env, DATABASE_SSL_CA: w.certs.wrongCa })).toContain("not signed by the CA");
    });

    test("settings that would not do what they say are refused: a CA with require, sslmode=prefer, an unreadable CA", async () => {
      const w = world();
      expect(
        await refusal({
          DATABASE_SSL: "require",
          DATABASE_SSL_CA: w.certs.ca,
          DATABASE_URL: w.pg.url(RUNTIME),
        }),
      ).toContain("does not verify the server");
      expect(await refusal({ DATABASE_URL: `${w.pg.url(RUNTIME)}?sslmode=prefer` })).toContain(
        "may fall back to plain text",
      );
      expect(await refusal({ ...w.directEnv, DATABASE_SSL_CA: join(w.certs.dir, "missing.crt") })).toContain(
        "DATABASE_SSL_CA: cannot read",
      );
    });

    test("the API process exits 1 with one line naming the refusal (wrong CA, wrong host)", async () => {
      const w = world();
      const wrongCa = await entry("src/index.ts", {
        ...w.directEnv,
        DATABASE_SSL_CA: w.certs.wrongCa,
        PORT: "0",
        LOG_LEVEL: "warn",
      });
      expect(wrongCa.code).toBe(1);
      expect(lines(wrongCa.stderr)).toEqual([
        expect.stringMatching(
          /^courtflow: cannot connect to PostgreSQL at localhost:\d+\/courtflow: TLS \(verify-full\) refused the server certificate: it is not signed by the CA in /,
        ),
      ]);
      // No retries: the first refusal is final.
      expect(wrongCa.stdout).not.toContain("not reachable yet");
      const wrongHost = await entry("src/index.ts", {
        ...w.pgTls,
        DATABASE_URL: w.pg.url(RUNTIME, "127.0.0.1"),
        PORT: "0",
      });
      expect(wrongHost.code).toBe(1);
      expect(lines(wrongHost.stderr)).toEqual([
        expect.stringContaining("it does not name the host connected to"),
      ]);
    });

    test("the worker process honours the same settings and exits 1 with one line on a wrong CA", async () => {
      const w = world();
      const r = await entry("workers/index.ts", {
        ...w.directEnv,
        DATABASE_SSL_CA: w.certs.wrongCa,
        WORKER_PORT: "0",
      });
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual([
        expect.stringMatching(
          /^courtflow worker: cannot connect to PostgreSQL at .*not signed by the CA in /,
        ),
      ]);
    });

    test("db:migrate, migrate:* and the seeds connect over verified TLS (the world was built that way) and refuse a wrong CA", async () => {
      const w = world();
      const dbMigrate = await script("db-migrate.ts", [], { ...w.pgTls, DATABASE_URL: w.pg.url(OWNER) });
      expect({ code: dbMigrate.code, out: dbMigrate.stdout.trim().split("\n").at(-1) }).toEqual({
        code: 0,
        out: "already up to date",
      });
      const wrong = await script("migrate.ts", ["dev"], { ...w.ownerEnv, DATABASE_SSL_CA: w.certs.wrongCa });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("refused the server certificate: it is not signed by the CA in");
      const seed = await script("seed.ts", ["dev", "--cases", "10"], {
        ...w.ownerEnv,
        DATABASE_SSL_CA: w.certs.wrongCa,
      });
      expect(seed.code).toBe(1);
      expect(seed.stderr).toContain("refused the server certificate");
    });

    test("backups (pg_dump) get the same TLS settings: mode and CA file", async () => {
      const w = world();
      const pgDump = await findTool("pg_dump", serverVersionOf(150000), undefined);
      const dir = tempDir("secure-dump");
      try {
        const file = join(dir, "backup.dump");
        await dumpDatabase(
          pgDump,
          w.pg.url(OWNER),
          { DATABASE_SSL: "verify-full", DATABASE_SSL_CA: w.certs.ca },
          file,
        );
        expect(statSync(file).size).toBeGreaterThan(1000);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
