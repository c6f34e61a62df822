import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../src/config/env";
import { createDb, createPgliteDb, type DbHandle, rowsOf } from "../../src/db/client";
import { migratePostgres } from "../../src/db/migrate";
import { isoOf, todayDay } from "../../src/db/seed/dates";
import { seedDemoData } from "../../src/db/seed/demo";
import { SEED_PROGRESS_FILE, seedEmbeddedInBackground } from "../../src/db/seed/embedded";
import { DEV_USERS } from "../../src/db/seed/users";
import { createLogger } from "../../src/lib/logger";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import { LogCapture } from "../helpers/app";
import { migratedPgliteDir } from "../helpers/pglite-template";
import { createScratchDatabase } from "../helpers/scratch-db";
import { services } from "../helpers/services";

// Embedded mode's first start: demo data in PGlite through batched INSERTs, chunk by chunk.

const count = async (handle: DbHandle, table: string) =>
  Number(
    rowsOf<{ n: number }>(await handle.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n,
  );

const casesChecksum = async (handle: DbHandle, upTo = Number.MAX_SAFE_INTEGER) =>
  rowsOf<{ m: string }>(
    await handle.db.execute(
      sql.raw(`select md5(string_agg((id, court_id, case_number, case_type, filed_on, status, status_on, judge_id,
        disposed_on, disposition)::text, ',' order by id)) as m from cases where id <= ${upTo}`),
    ),
  )[0]!.m;

const rollupsChecksum = async (handle: DbHandle) =>
  rowsOf<{ m: string }>(
    await handle.db.execute(
      sql.raw("select md5(string_agg(c::text, ',' order by c::text)) as m from measure_counts c"),
    ),
  )[0]!.m;

describe("embedded demo seed (PGlite)", () => {
  let pglite: DbHandle;
  const logs = new LogCapture();
  const logger = createLogger({ level: "info", destination: logs });
  // A second database in a directory (the progress file of an interrupted seed lives there).
  let blank: DbHandle;
  let dir = "";
  let firstDir = "";
  beforeAll(async () => {
    firstDir = await migratedPgliteDir("seed-embedded-first");
    pglite = await createPgliteDb(firstDir);
    dir = await migratedPgliteDir("seed-embedded");
    blank = await createPgliteDb(dir);
  }, 120_000);
  afterAll(async () => {
    await pglite?.close();
    await blank?.close();
    for (const d of [dir, firstDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test("seeds an empty database once, in the background, with measure rollups", async () => {
    const first = seedEmbeddedInBackground(
      pglite,
      { logger, refreshRollups: refreshMeasureRollups },
      { cases: 300 },
    );
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
    const second = seedEmbeddedInBackground(
      pglite,
      { logger, refreshRollups: refreshMeasureRollups },
      { cases: 300 },
    );
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

  test("EMBEDDED_DEMO_CASES=0: an empty database stays empty (no courts, no logins), said in one line", async () => {
    const seeding = seedEmbeddedInBackground(
      blank,
      { logger, refreshRollups: refreshMeasureRollups },
      { cases: 0 },
    );
    expect(await seeding.done).toBeNull();
    expect(await count(blank, "courts")).toBe(0);
    expect(await count(blank, "users")).toBe(0);
    expect(existsSync(join(dir, SEED_PROGRESS_FILE))).toBe(false);
    expect(logs.text).toContain("no demo data (EMBEDDED_DEMO_CASES=0)");
  });

  test("stop() before the first write leaves the database blank", async () => {
    const seeding = seedEmbeddedInBackground(
      blank,
      { logger, refreshRollups: refreshMeasureRollups },
      { cases: 5_000 },
    );
    await seeding.stop();
    expect(await seeding.done).toBeNull();
    expect(await count(blank, "courts")).toBe(0);
  });

  test("a seed stopped part-way is finished by the next start, with the cases an uninterrupted seed writes", async () => {
    const progress = join(dir, SEED_PROGRESS_FILE);
    // Stopped (shutdown, or `bun --watch` restarting) right after its first chunk committed.
    let seeding: ReturnType<typeof seedEmbeddedInBackground> | null = null;
    seeding = seedEmbeddedInBackground(
      blank,
      { logger, refreshRollups: refreshMeasureRollups },
      {
        cases: 600,
        chunkSize: [100],
        onProgress: () => void seeding?.stop(),
      },
    );
    expect(await seeding.done).toBeNull();
    expect(await count(blank, "cases")).toBe(100);
    expect(existsSync(progress)).toBe(true);
    expect(logs.text).toContain("the next start finishes it");

    const resumed = await seedEmbeddedInBackground(
      blank,
      { logger, refreshRollups: refreshMeasureRollups },
      { chunkSize: [250] },
    ).done;
    expect(resumed?.cases).toBe(600);
    expect(logs.text).toContain("resuming the embedded demo seed");
    expect(await count(blank, "cases")).toBe(600);
    expect(await count(blank, "users")).toBe(DEV_USERS.length);
    expect(existsSync(progress)).toBe(false);
    // Case for case what one uninterrupted run writes (the first 300 are the 300-case seed above).
    expect(await casesChecksum(blank, 300)).toBe(await casesChecksum(pglite));
    const activities = rowsOf<{ n: number; ids: number }>(
      await blank.db.execute(
        sql`select count(*)::int as n, count(distinct id)::int as ids from case_activities`,
      ),
    )[0]!;
    expect(activities.n).toBe(activities.ids);
    // The rollups agree with a rebuild from scratch.
    const before = await rollupsChecksum(blank);
    await refreshMeasureRollups(blank.db, {});
    expect(await rollupsChecksum(blank)).toBe(before);
    // And the start after that finds a finished seed.
    expect(
      await seedEmbeddedInBackground(blank, { logger, refreshRollups: refreshMeasureRollups }).done,
    ).toBeNull();
  }, 120_000);
});
