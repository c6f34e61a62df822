import { describe, expect, test } from "bun:test";
import type postgres from "postgres";
import { createDb, type DbHandle } from "../../src/db/client";
import { openDirectConnection } from "../../src/db/direct";
import { analyzeImportTables } from "../../src/modules/imports/imports.progress.repo";
import { deleteAuditRows } from "../../src/modules/maintenance/retention.repo";
import { world } from "../lib/context";
import { configFrom } from "../lib/flows";
import { script } from "../lib/processes";
import { OWNER, RUNTIME } from "../lib/tls-postgres";

// The runtime role: created and kept in line by `bun run db:roles`, it reads and writes rows and
// nothing more. Schema changes and rewriting the audit trail are refused by PostgreSQL itself; the
// maintenance the application needs beyond that goes through the owner's functions.

async function asRole<T>(
  who: { user: string; password: string },
  fn: (sql: postgres.Sql) => Promise<T>,
): Promise<T> {
  const w = world();
  const sql = openDirectConnection(
    w.pg.url(who),
    { DATABASE_SSL: "verify-full", DATABASE_SSL_CA: w.certs.ca },
    {
      applicationName: "courtflow-secure-test",
    },
  );
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The SQLSTATE a statement fails with, or "ok". */
async function outcome(sql: postgres.Sql, statement: string): Promise<string> {
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(statement);
      // Never keep what a statement did, should it be allowed.
      throw Object.assign(new Error("rollback"), { code: "ok" });
    });
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** The "privileges now:" table db:roles prints. */
const privilegeTable = (stdout: string) => stdout.slice(stdout.indexOf("privileges now:"));

export function rolesScenario(): void {
  describe("runtime role", () => {
    test("db:roles is idempotent: a second run changes nothing and prints the same privileges", async () => {
      const w = world();
      const first = await script("db-roles.ts", ["dev"], w.ownerEnv);
      const second = await script("db-roles.ts", ["dev"], w.ownerEnv);
      expect({ first: first.code, second: second.code }).toEqual({ first: 0, second: 0 });
      expect(second.stdout).toContain(`runtime role ${RUNTIME.user}: updated`);
      expect(privilegeTable(second.stdout)).toBe(privilegeTable(first.stdout));
      expect(second.stdout).toMatch(/audit_log\s+SELECT, INSERT\n/);
      expect(second.stdout).toMatch(/cases\s+SELECT, INSERT, UPDATE, DELETE\n/);
      // The password travels as a SCRAM verifier, never in the statement text.
      expect(second.stdout).not.toContain(RUNTIME.password);
    });

    test("db:roles refuses a runtime role that is the schema owner", async () => {
      const w = world();
      const r = await script("db-roles.ts", ["dev"], { ...w.ownerEnv, DATABASE_URL: w.pg.url(OWNER) });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("refusing: the runtime role (DATABASE_URL's user) is the schema owner");
    });

    test("the runtime role cannot change the schema: DDL of every kind fails with 42501", async () => {
      const results = await asRole(RUNTIME, async (sql) => {
        const out: Record<string, string> = {};
        for (const s of [
          "create table intruder (id int)",
          "alter table cases add column intruder text",
          "drop table judges",
          "create index intruder_idx on cases (case_number)",
          "truncate cases",
          "create schema intruder",
          "create or replace function public.courtflow_audit_retention_floor_days() returns integer language sql as $$ select 1 $$",
        ])
          out[s] = await outcome(sql, s);
        return out;
      });
      for (const [statement, code] of Object.entries(results))
        expect({ statement, code }).toEqual({ statement, code: "42501" });
    });

    test("audit_log is append-only for the runtime role: INSERT and SELECT work, UPDATE and DELETE fail", async () => {
      const results = await asRole(RUNTIME, async (sql) => ({
        insert: await outcome(sql, "insert into audit_log (action, entity) values ('secure.test', 'audit')"),
        select: await outcome(sql, "select count(*) from audit_log"),
        update: await outcome(sql, "update audit_log set action = 'rewritten'"),
        delete: await outcome(sql, "delete from audit_log"),
        truncate: await outcome(sql, "truncate audit_log"),
      }));
      expect(results).toEqual({
        insert: "ok",
        select: "ok",
        update: "42501",
        delete: "42501",
        truncate: "42501",
      });
    });

    test("tables and sequences a later migration creates are usable at once (default privileges)", async () => {
      await asRole(OWNER, (sql) =>
        sql.unsafe("create table later_feature (id serial primary key, note text)"),
      );
      try {
        const rows = await asRole(RUNTIME, async (sql) => {
          await sql`insert into later_feature (note) values ('from the runtime role')`;
          return sql<{ id: number; note: string }[]>`select id, note from later_feature`;
        });
        expect(rows).toEqual([{ id: 1, note: "from the runtime role" }]);
      } finally {
        await asRole(OWNER, (sql) => sql.unsafe("drop table later_feature"));
      }
    });

    test("audit retention as the runtime role removes only rows past the owner's floor (RETENTION_AUDIT_DAYS)", async () => {
      const [old, recent] = await asRole(OWNER, async (sql) => {
        const rows = await sql<{ id: string }[]>`
          insert into audit_log (action, entity, at) values
            ('secure.retention', 'old', now() - interval '800 days'),
            ('secure.retention', 'recent', now() - interval '100 days')
          returning id`;
        return rows.map((r) => Number(r.id));
      });
      const db: DbHandle = await createDb(configFrom(world().directEnv));
      try {
        // The worker asks for 30 days; db:roles fixed the floor at the default 730.
        expect(await deleteAuditRows(db.db, 30)).toBeGreaterThanOrEqual(1);
      } finally {
        await db.close();
      }
      const left = await asRole(
        OWNER,
        (sql) => sql`select id from audit_log where id in ${sql([old!, recent!])}`,
      );
      expect(left.map((r) => Number(r.id))).toEqual([recent]);
    });

    test("fresh planner statistics after a large import: ANALYZE runs for the runtime role (through the owner's function)", async () => {
      const before = await asRole(OWNER, async (sql) => {
        const [r] = await sql<
          { n: string }[]
        >`select analyze_count::text as n from pg_stat_user_tables where relname = 'cases'`;
        return Number(r!.n);
      });
      const db = await createDb(configFrom(world().directEnv));
      try {
        await db.db.transaction((tx) => analyzeImportTables(tx as never));
      } finally {
        await db.close();
      }
      const deadline = Date.now() + 10_000;
      let after = before;
      while (after === before && Date.now() < deadline) {
        await Bun.sleep(100);
        after = await asRole(OWNER, async (sql) => {
          const [r] = await sql<
            { n: string }[]
          >`select analyze_count::text as n from pg_stat_user_tables where relname = 'cases'`;
          return Number(r!.n);
        });
      }
      expect(after).toBe(before + 1);
    });
  });
}
