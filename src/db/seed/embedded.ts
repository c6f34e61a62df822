import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Logger } from "../../lib/logger";
import { type Database, type DbHandle, rowsOf } from "../client";
import { isoOf, todayDay } from "./dates";
import {
  type DemoSeedSummary,
  MAX_ACTIVITIES_PER_CASE,
  SeedAbortedError,
  SeedRefusedError,
  type SeedResumePoint,
  seedDemoDataInSteps,
} from "./demo";
import { DEV_USERS } from "./users";

// Embedded mode's first start fills the fresh PGlite database with a small demo data set, so the
// dashboard has something to show. It runs in the background, in short transactions, because
// opening and migrating PGlite already takes most of the start-up budget and a long transaction
// would hold the single PGlite connection away from the health checks.
//
// Chunks of 250 cases, then 500: the first makes logins, courts, cases and their measures appear
// within a couple of seconds of the API being ready; the larger ones after it cut the measure-rollup
// refreshes, most of the seed's cost (5 000 cases: about 15 s of CPU in chunks of 250, 12 s with 500
// after the first). Larger chunks saved little more and stalled the event loop: with 1 000 cases a
// single refresh statement ran 4 to 10 s on PGlite, and every request waited behind it; with 500 the
// longest stall stays near 250 ms on a busy machine.
//
// An interrupted seed (Ctrl-C, or `bun --watch` restarting at a save) is resumed at the next start:
// a progress file in the database directory says a seed is under way and with which options, and
// the committed chunks are a prefix of its cases.

export const EMBEDDED_SEED_CASES = 5_000;
export const EMBEDDED_SEED_CHUNKS = [250, 500] as const;
export const SEED_PROGRESS_FILE = "courtflow-demo-seed.json";

/**
 * Brings the measure rollups up to date for these cases, or for all of them (`refreshMeasureRollups`
 * of the measures module, passed in by bootstrap: src/db never imports a module).
 */
export type RefreshRollups = (db: Database, scope: { caseIds?: number[] }) => Promise<unknown>;

export interface BackgroundSeed {
  done: Promise<DemoSeedSummary | null>;
  /** Stops between chunks and waits for the current one (shutdown). */
  stop(): Promise<void>;
}

interface SeedProgress {
  version: 1;
  seed: number;
  asOf: string;
  cases: number;
}

async function courtsEmpty(handle: DbHandle): Promise<boolean> {
  const rows = rowsOf<{ present: boolean }>(
    await handle.db.execute(sql`select exists (select 1 from courts) as present`),
  );
  return !rows[0]?.present;
}

function progressFileOf(handle: DbHandle): string | null {
  return handle.kind === "pglite" && !handle.target.startsWith("memory://")
    ? join(handle.target, SEED_PROGRESS_FILE)
    : null;
}

function readProgress(file: string | null): SeedProgress | null {
  if (!file) return null;
  try {
    const p = JSON.parse(readFileSync(file, "utf8")) as SeedProgress;
    return p.version === 1 && typeof p.asOf === "string" && Number.isInteger(p.cases) ? p : null;
  } catch {
    return null;
  }
}

/** The committed prefix of an interrupted seed (its ids start at 0: it began on a blank database). */
async function resumePointOf(handle: DbHandle, cases: number): Promise<SeedResumePoint> {
  const rows = rowsOf<{ done: number | string; last: number | string }>(
    await handle.db.execute(sql`
      select (select count(*) from cases where id between 1 and ${cases}) as done,
             (select coalesce(max(id), 0) from case_activities where id <= ${cases * MAX_ACTIVITIES_PER_CASE}) as last`),
  );
  return { caseBase: 0, casesDone: Number(rows[0]?.done ?? 0), nextActivity: Number(rows[0]?.last ?? 0) + 1 };
}

/**
 * Seeds demo data when the courts table is empty, or finishes a seed a previous run left part-way;
 * resolves null when there was nothing to do.
 */
export function seedEmbeddedInBackground(
  handle: DbHandle,
  deps: { logger: Logger; refreshRollups: RefreshRollups },
  opts: {
    cases?: number;
    chunkSize?: number | readonly number[];
    /** After each committed chunk (and its rollups). */
    onProgress?: (casesDone: number, casesTotal: number) => void;
  } = {},
): BackgroundSeed {
  const { logger, refreshRollups } = deps;
  const abort = new AbortController();
  const file = progressFileOf(handle);
  const done = (async () => {
    const empty = await courtsEmpty(handle);
    const unfinished = empty ? null : readProgress(file);
    if (!empty && !unfinished) return null;
    if (!unfinished && opts.cases === 0) {
      logger.info("embedded database is empty; no demo data (EMBEDDED_DEMO_CASES=0)");
      return null;
    }
    const progress: SeedProgress = unfinished ?? {
      version: 1,
      seed: 1,
      asOf: isoOf(todayDay()),
      cases: opts.cases ?? EMBEDDED_SEED_CASES,
    };
    const resume = unfinished ? await resumePointOf(handle, progress.cases) : undefined;
    if (abort.signal.aborted) return null;
    if (file && !unfinished) writeFileSync(file, JSON.stringify(progress));
    logger.info(
      { cases: progress.cases, ...(resume ? { alreadyLoaded: resume.casesDone } : {}) },
      resume
        ? "resuming the embedded demo seed a previous run left part-way"
        : "embedded database is empty: seeding demo data in the background",
    );
    const summary = await seedDemoDataInSteps(handle, {
      cases: progress.cases,
      seed: progress.seed,
      asOf: progress.asOf,
      users: DEV_USERS,
      chunkSize: opts.chunkSize ?? EMBEDDED_SEED_CHUNKS,
      signal: abort.signal,
      resume,
      afterPrepare: () =>
        logger.info(
          { logins: DEV_USERS.map((u) => `${u.email} / ${u.password} (${u.role})`) },
          "demo logins ready; cases and measures are loading",
        ),
      afterChunk: async (caseIds) => {
        await refreshRollups(handle.db, { caseIds });
      },
      onProgress: opts.onProgress,
    });
    if (abort.signal.aborted) {
      logger.warn("embedded demo seed stopped part-way by shutdown; the next start finishes it");
      return null;
    }
    // Chunks committed by the interrupted run may have missed their rollup refresh: rebuild once.
    if (resume) await refreshRollups(handle.db, {});
    if (file) rmSync(file, { force: true });
    logger.info(
      {
        cases: summary.cases,
        activities: summary.activities,
        ms: summary.durationMs,
        logins: DEV_USERS.map((u) => `${u.email} / ${u.password} (${u.role})`),
      },
      "embedded demo data ready (development logins listed)",
    );
    return summary;
  })().catch((err) => {
    if (err instanceof SeedRefusedError)
      logger.warn({ tables: err.tables }, "embedded seed skipped: data exists");
    else if (!(err instanceof SeedAbortedError) && !abort.signal.aborted)
      logger.error({ err }, "embedded demo seed failed");
    return null;
  });
  return {
    done,
    async stop() {
      abort.abort();
      await done;
    },
  };
}
