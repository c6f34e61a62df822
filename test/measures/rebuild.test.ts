// A full rebuild of the measure rollups never blocks measure reads: held just before it replaces the
// live rollups, reads answer with the old figures (with a short statement timeout, so a read that
// waited would fail); once it commits they answer with the new ones. An incremental refresh started
// meanwhile is not lost. The "swap" rebuild leaves the tables exactly as the migrations made them
// (indexes, constraints, grants); a role that does not own the tables rebuilds in place.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createDb, type DbHandle, rowsOf } from "../../src/db/client";
import {
  REBUILD_SCHEMA,
  type RebuildStrategy,
  refreshMeasureRollups,
} from "../../src/modules/measures/measures.rollups.repo";
import * as measures from "../../src/modules/measures/measures.service";
import type { MeasureFilters } from "../../src/modules/measures/measures.types";
import { type CaseSpec, insertCases, seedStandards } from "../helpers/case-data";
import { openTestDb, resetDb, testConfig } from "../helpers/db";
import { makeCourtTree } from "../helpers/factories";
import { services, TEST_DATABASE_URL } from "../helpers/services";

const F: MeasureFilters = { from: "2025-01-01", to: "2025-12-31", asOf: "2025-12-31", courtIds: null };

/** n felony cases filed in 2025, every other one disposed 60 days later. */
function specs(courtId: number, prefix: string, n: number): CaseSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    courtId,
    caseNumber: `${prefix}-${i}`,
    caseType: "felony" as const,
    filedOn: `2025-0${1 + (i % 6)}-1${i % 10}`,
    events: i % 2 ? [{ type: "disposed" as const, on: `2025-0${3 + (i % 6)}-1${i % 10}` }] : [],
  }));
}

/** What a dashboard reader sees: incoming and outgoing, disposition times, pending ages. */
async function figures(db: DbHandle["db"]) {
  const c = await measures.clearance(db, F, "total");
  const ttd = await measures.timeToDisposition(db, F);
  const pending = await measures.pendingAge(db, F);
  return { total: c.total, ttd: ttd.total, pending };
}

/** Indexes, constraints and grants of the rollup tables: what the migrations and db:roles made. */
async function catalog(db: DbHandle["db"]) {
  return rowsOf<{ x: string }>(
    await db.execute(sql`
      select 'index ' || indexdef as x from pg_indexes where schemaname = 'public' and tablename like 'measure\\_%'
      union all
      select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        from pg_constraint where conrelid::regclass::text like 'measure\\_%'
      union all
      select 'acl ' || relname || ' ' || coalesce(relacl::text, '') || ' owner ' || pg_get_userbyid(relowner)
        from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and relname like 'measure\\_%'
      order by 1`),
  ).map((r) => r.x);
}

const READER_ROLE = `h17b_rebuild_reader_${process.pid}`;

(services().postgres ? describe : describe.skip)("full rollup rebuild on PostgreSQL", () => {
  let writer: DbHandle;
  let reader: DbHandle;
  let courtId: number;

  beforeAll(async () => {
    writer = await openTestDb();
    // A read that waited for the rebuild fails after 3 s instead of answering.
    reader = await openTestDb({ DATABASE_QUERY_TIMEOUT_MS: "3000" });
    await writer.db.execute(sql.raw(`create role ${READER_ROLE} nologin`));
    await writer.db.execute(sql.raw(`grant select on all tables in schema public to ${READER_ROLE}`));
  });

  afterAll(async () => {
    await writer.db.execute(sql.raw(`revoke all on all tables in schema public from ${READER_ROLE}`));
    await writer.db.execute(sql.raw(`drop role if exists ${READER_ROLE}`));
    await reader.close();
    await writer.close();
  });

  async function freshData() {
    await resetDb(writer.db);
    const tree = await makeCourtTree(writer.db);
    courtId = tree.d1.id;
    await seedStandards(writer.db);
    await insertCases(writer.db, specs(courtId, "OLD", 40));
    await refreshMeasureRollups(writer.db);
  }

  for (const strategy of ["swap", "in-place"] as RebuildStrategy[]) {
    test(`${strategy}: reads answer the old figures while the rebuild is held, the new ones after; a refresh meanwhile is kept`, async () => {
      await freshData();
      const before = await figures(reader.db);
      expect(before.total.incoming).toBe(40);
      const catalogBefore = await catalog(writer.db);

      // Cases written without a refresh: only the rebuild brings them in.
      await insertCases(writer.db, specs(courtId, "NEW", 30));
      let held!: () => void;
      const heldP = new Promise<void>((r) => {
        held = r;
      });
      let release!: () => void;
      const releaseP = new Promise<void>((r) => {
        release = r;
      });
      const rebuild = refreshMeasureRollups(
        writer.db,
        {},
        {
          strategy,
          beforeSwap: async () => {
            held();
            await releaseP;
          },
        },
      );
      await heldP;
      // Mid-rebuild: every new rollup is built, the old ones are still what readers see.
      expect(await figures(reader.db)).toEqual(before);
      // An import refreshing its cases meanwhile queues behind the rebuild (its own connection).
      const late = await openTestDb();
      const [lateId] = await insertCases(late.db, specs(courtId, "LATE", 1));
      const refresh = refreshMeasureRollups(late.db, { caseIds: [lateId!] });
      expect(await figures(reader.db)).toEqual(before);
      release();
      const result = await rebuild;
      await refresh;
      await late.close();

      expect(result).toMatchObject({ mode: "all", strategy, cases: 71 });
      const after = await figures(reader.db);
      expect(after.total.incoming).toBe(71);
      expect(after.total.outgoing).toBe(before.total.outgoing + 15);
      // Exactly what a rebuild from scratch gives.
      await refreshMeasureRollups(writer.db, {}, { strategy: "in-place" });
      expect(await figures(reader.db)).toEqual(after);
      // The tables are as the migrations and grants made them; nothing left beside them.
      expect(await catalog(writer.db)).toEqual(catalogBefore);
      expect(catalogBefore.some((x) => x.startsWith("acl measure_counts") && x.includes(READER_ROLE))).toBe(
        true,
      );
      const leftover = rowsOf(
        await writer.db.execute(sql`select 1 from pg_namespace where nspname = ${REBUILD_SCHEMA}`),
      );
      expect(leftover).toEqual([]);
    });
  }

  test("a rebuild that fails leaves the live rollups and no half-built tables", async () => {
    await freshData();
    const before = await figures(reader.db);
    await insertCases(writer.db, specs(courtId, "NEW", 5));
    const failing = refreshMeasureRollups(
      writer.db,
      {},
      {
        strategy: "swap",
        beforeSwap: async () => {
          throw new Error("operator pressed ctrl-c");
        },
      },
    );
    await expect(failing).rejects.toThrow("operator pressed ctrl-c");
    expect(await figures(reader.db)).toEqual(before);
    const leftover = rowsOf(
      await writer.db.execute(sql`select 1 from pg_namespace where nspname = ${REBUILD_SCHEMA}`),
    );
    expect(leftover).toEqual([]);
  });

  test("a role that does not own the tables (the API's runtime role) rebuilds in place", async () => {
    await freshData();
    const role = `h17b_rebuild_runtime_${process.pid}`;
    await writer.db.execute(sql.raw(`create role ${role} login`));
    try {
      await writer.db.execute(sql.raw(`grant usage on schema public to ${role}`));
      await writer.db.execute(
        sql.raw(`grant select, insert, update, delete on all tables in schema public to ${role}`),
      );
      const url = new URL(TEST_DATABASE_URL);
      url.username = role;
      const runtime = await createDb(testConfig({ DATABASE_URL: url.toString() }));
      try {
        await insertCases(writer.db, specs(courtId, "NEW", 10));
        const r = await refreshMeasureRollups(runtime.db);
        expect(r).toMatchObject({ mode: "all", strategy: "in-place", cases: 50 });
        expect((await figures(reader.db)).total.incoming).toBe(50);
      } finally {
        await runtime.close();
      }
    } finally {
      await writer.db.execute(sql.raw(`revoke all on all tables in schema public from ${role}`));
      await writer.db.execute(sql.raw(`revoke all on schema public from ${role}`));
      await writer.db.execute(sql.raw(`drop role ${role}`));
    }
  });
});
