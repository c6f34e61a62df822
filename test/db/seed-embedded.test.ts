import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../src/config/env";
import { createDb, createPgliteDb, type DbHandle, rowsOf } from "../../src/db/client";
import { applyMigrations, migratePostgres } from "../../src/db/migrate";
import { isoOf, todayDay } from "../../src/db/seed/dates";
import { seedDemoData } from "../../src/db/seed/demo";
import { seedEmbeddedInBackground } from "../../src/db/seed/embedded";
import { DEV_USERS } from "../../src/db/seed/users";
import { createLogger } from "../../src/lib/logger";
import { LogCapture } from "../helpers/app";
import { createScratchDatabase } from "../helpers/scratch-db";
import { services } from "../helpers/services";

// Embedded mode's first start: demo data in PGlite through batched INSERTs, chunk by chunk.

const count = async (handle: DbHandle, table: string) =>
  Number(
    rowsOf<{ n: number }>(await handle.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n,
  );

const casesChecksum = async (handle: DbHandle) =>
  rowsOf<{ m: string }>(
    await handle.db.execute(
      sql.raw(`select md5(string_agg((id, court_id, case_number, case_type, filed_on, status, status_on, judge_id,
        disposed_on, disposition)::text, ',' order by id)) as m from cases`),
    ),
  )[0]!.m;

describe("embedded demo seed (PGlite)", () => {
  let pglite: DbHandle;
  const logs = new LogCapture();
  const logger = createLogger({ level: "info", destination: logs });
  beforeAll(async () => {
    pglite = await createPgliteDb("memory://");
    await applyMigrations(pglite.db);
  }, 60_000);
  afterAll(async () => {
    await pglite?.close();
  });

  test("seeds an empty database once, in the background, with measure rollups", async () => {
    const first = seedEmbeddedInBackground(pglite, logger, { cases: 300 });
    const summary = await first.done;
    expect(summary?.cases).toBe(300);
    expect(await count(pglite, "cases")).toBe(300);
    expect(await count(pglite, "case_activities")).toBe(summary!.activities);
    expect(await count(pglite, "users")).toBe(DEV_USERS.length);
    expect(await count(pglite, "time_standards")).toBe(30);
    // The measures read rollups: they are brought up to date with the seeded cases.
    expect(await count(pglite, "measure_case_days")).toBeGreaterThan(0);
    expect(logs.text).toContain("embedded demo data ready");

    // A second start finds courts and leaves everything alone.
    const second = seedEmbeddedInBackground(pglite, logger, { cases: 300 });
    expect(await second.done).toBeNull();
    expect(await count(pglite, "cases")).toBe(300);
  }, 60_000);

  const pgTest = services().postgres ? test : test.skip;
  pgTest(
    "writes through PGlite's INSERTs exactly what COPY writes to PostgreSQL",
    async () => {
      const scratch = await createScratchDatabase("cf_seed_pglite");
      try {
        await migratePostgres(scratch.url);
        const pg = await createDb(loadConfig({ DATABASE_URL: scratch.url, LOG_LEVEL: "silent" }));
        try {
          // Same generator inputs as the embedded seed above (seed 1, today).
          await seedDemoData(pg, { cases: 300, seed: 1, asOf: isoOf(todayDay()), users: DEV_USERS });
          expect(await casesChecksum(pg)).toBe(await casesChecksum(pglite));
        } finally {
          await pg.close();
        }
      } finally {
        await scratch.drop();
      }
    },
    60_000,
  );

  test("stop() ends a background seed between chunks", async () => {
    const fresh = await createPgliteDb("memory://");
    try {
      await applyMigrations(fresh.db);
      const seeding = seedEmbeddedInBackground(fresh, logger, { cases: 5_000 });
      await Bun.sleep(50);
      await seeding.stop();
      expect(await seeding.done).toBeNull();
      expect(await count(fresh, "cases")).toBeLessThan(5_000);
    } finally {
      await fresh.close();
    }
  }, 60_000);
});
