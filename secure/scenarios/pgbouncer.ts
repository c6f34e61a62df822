import { describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { connectWithRetry, createDb, rowsOf } from "../../src/db/client";
import { checkQueryTimeout } from "../../src/db/pooler";
import { createLogger } from "../../src/lib/logger";
import { LogCapture } from "../../test/helpers/app";
import { world } from "../lib/context";
import { configFrom } from "../lib/flows";
import { entry, script } from "../lib/processes";
import { OWNER, RUNTIME } from "../lib/tls-postgres";

// PgBouncer in transaction mode (1.18, no protocol-level prepared statements): each transaction may
// land on another server connection. What the app must never depend on there — named prepared
// statements, startup parameters, session state — and what it does instead.

/** Resolves with the value, or rejects after `ms`: a prepared-statement mix-up hangs rather than fails. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    Bun.sleep(ms).then(() => Promise.reject(new Error(`${what}: no answer within ${ms} ms`))),
  ]);
}

export function pgbouncerScenario(): void {
  describe("PgBouncer (transaction mode)", () => {
    test("many concurrent parameterised queries: nothing is prepared, whatever DATABASE_PREPARE says", async () => {
      const w = world();
      // DATABASE_PREPARE=true is what a deployment that forgot it would have: DATABASE_POOLER wins.
      const db = await createDb(
        configFrom({ ...w.bouncerEnv, DATABASE_PREPARE: "true", DATABASE_POOL_MAX: "8" }),
      );
      try {
        await connectWithRetry(db, { retries: 0 });
        const results = await within(
          30_000,
          "200 queries through PgBouncer",
          Promise.all(
            Array.from({ length: 200 }, async (_, i) => {
              const rows = rowsOf<{ n: number; court: string | null }>(
                await db.db.execute(
                  sql`select ${i}::int as n, (select code from courts where id = ${(i % 5) + 1}) as court`,
                ),
              );
              return rows[0]!.n;
            }),
          ),
        );
        expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
        // The server holds no prepared statement of ours on any of the bouncer's connections.
        const prepared = rowsOf<{ n: number }>(
          await db.db.execute(sql`select count(*)::int as n from pg_prepared_statements`),
        );
        expect(prepared[0]!.n).toBe(0);
      } finally {
        await db.close();
      }
    });

    test("the statement timeout comes from the role (db:roles), not from a startup parameter PgBouncer refuses", async () => {
      const w = world();
      const db = await createDb(configFrom(w.bouncerEnv));
      try {
        const rows = rowsOf<{ timeout: string; user: string; ssl: boolean }>(
          await db.db.execute(sql`
            select current_setting('statement_timeout') as timeout, current_user as user,
                   (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as ssl`),
        );
        // PgBouncer → PostgreSQL is TLS too (server_tls_sslmode = verify-full).
        expect(rows[0]).toEqual({ timeout: "30s", user: RUNTIME.user, ssl: true });
      } finally {
        await db.close();
      }
    });

    test("a role without a statement timeout behind PgBouncer is reported at start-up", async () => {
      const w = world();
      const logs = new LogCapture();
      const logger = createLogger({ level: "warn", destination: logs });
      // The owner has no role-level timeout (only the runtime role gets one from db:roles).
      const db = await createDb(
        configFrom({ ...w.pgTls, DATABASE_URL: w.pg.url(OWNER), DATABASE_POOLER: "pgbouncer" }),
      );
      try {
        await checkQueryTimeout(db, configFrom(w.bouncerEnv), logger);
        expect(logs.json().map((l) => [l.msg, l.role])).toEqual([
          [expect.stringContaining("statement_timeout is not set for this role"), OWNER.user],
        ]);
        // The runtime role has one: nothing to say.
        const runtime = await createDb(configFrom(w.bouncerEnv));
        try {
          await checkQueryTimeout(runtime, configFrom(w.bouncerEnv), logger);
        } finally {
          await runtime.close();
        }
        expect(logs.lines).toHaveLength(1);
      } finally {
        await db.close();
      }
    });

    test("without DATABASE_POOLER=pgbouncer the API says what to set instead of retrying (08P01)", async () => {
      const w = world();
      const r = await entry("src/index.ts", { ...w.bouncerEnv, DATABASE_POOLER: "none", PORT: "0" });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringContaining(
          "the server refused a startup parameter (unsupported startup parameter: statement_timeout): behind PgBouncer set DATABASE_POOLER=pgbouncer",
        ),
      ]);
    });

    test("migrations refuse to run through PgBouncer (their session advisory lock would not hold)", async () => {
      const w = world();
      const r = await script("db-migrate.ts", [], w.bouncerEnv);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "DATABASE_POOLER=pgbouncer: migrations and operator scripts need DIRECT_DATABASE_URL",
      );
      const m = await script("migrate.ts", ["dev"], w.bouncerEnv);
      expect(m.code).toBe(1);
      expect(m.stderr).toContain("need DIRECT_DATABASE_URL");
    });
  });
}
