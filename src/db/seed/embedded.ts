import { sql } from "drizzle-orm";
import type { Logger } from "../../lib/logger";
import { refreshMeasureRollups } from "../../modules/measures/measures.rollups.repo";
import { type DbHandle, rowsOf } from "../client";
import { isoOf, todayDay } from "./dates";
import { type DemoSeedSummary, SeedRefusedError, seedDemoDataInSteps } from "./demo";
import { DEV_USERS } from "./users";

// Embedded mode's first start fills the fresh PGlite database with a small demo data set, so the
// dashboard has something to show. It runs in the background, in short transactions, because
// opening and migrating PGlite already takes most of the start-up budget and a long transaction
// would hold the single PGlite connection away from the health checks.

export const EMBEDDED_SEED_CASES = 5_000;

export interface BackgroundSeed {
  done: Promise<DemoSeedSummary | null>;
  /** Stops between chunks and waits for the current one (shutdown). */
  stop(): Promise<void>;
}

async function courtsEmpty(handle: DbHandle): Promise<boolean> {
  const rows = rowsOf<{ present: boolean }>(
    await handle.db.execute(sql`select exists (select 1 from courts) as present`),
  );
  return !rows[0]?.present;
}

/** Seeds demo data when the courts table is empty; resolves null when there was nothing to do. */
export function seedEmbeddedInBackground(
  handle: DbHandle,
  logger: Logger,
  opts: { cases?: number } = {},
): BackgroundSeed {
  const abort = new AbortController();
  const done = (async () => {
    if (!(await courtsEmpty(handle))) return null;
    const cases = opts.cases ?? EMBEDDED_SEED_CASES;
    logger.info({ cases }, "embedded database is empty: seeding demo data in the background");
    const summary = await seedDemoDataInSteps(handle, {
      cases,
      seed: 1,
      asOf: isoOf(todayDay()),
      users: DEV_USERS,
      signal: abort.signal,
      afterChunk: async (caseIds) => {
        await refreshMeasureRollups(handle.db, { caseIds });
      },
    });
    if (abort.signal.aborted) {
      logger.warn("embedded demo seed stopped part-way by shutdown; delete PGLITE_DIR to start over");
      return null;
    }
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
    else if (!abort.signal.aborted) logger.error({ err }, "embedded demo seed failed");
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
