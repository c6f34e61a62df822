// `bun run measures:rebuild [-- --target dev|staging|prod]`
// `bun run measures:refresh [-- --court CODE] [--target dev|staging|prod]`
//
// Operator commands for the measure rollups (docs/operations.md, "Measure rollups"), against the
// target's database as the schema owner (DIRECT_DATABASE_URL, else DATABASE_URL; the same settings as
// migrate:* and db:seed:*):
//
//   rebuild   every rollup from cases, case_activities and time_standards, built beside the live
//             tables and swapped in: measure reads go on answering (the old figures) throughout
//   refresh   the rollups of one court (--court CODE), or of every court one after the other, each
//             court committed on its own: incremental, for a court whose figures look wrong
//
// Exit codes: 0 done, 1 failed (nothing changed: each step is one transaction), 2 usage.
import { sql } from "drizzle-orm";
import type { Config } from "../src/config/env";
import { rowsOf } from "../src/db/client";
import { migrationStatus } from "../src/db/migrate";
import { createLogger } from "../src/lib/logger";
import { createMetricsRegistry } from "../src/lib/metrics";
import { measuresCache, TIME_STANDARDS_TAG } from "../src/modules/measures/measures.cache-keys";
import { refreshMeasureRollups, vacuumRollups } from "../src/modules/measures/measures.rollups.repo";
import { buildRedisDeps } from "../src/redis/build";
import { CliError, EXIT_USAGE, formatMs, parseCli, runCli, say, warn } from "./lib/cli";
import { isTarget, resolveTarget } from "./lib/target";
import { openTargetHandle } from "./lib/target-db";

const USAGE = `usage: bun scripts/measures.ts <rebuild|refresh> [options]
  rebuild              rebuild every measure rollup without blocking measure reads
  refresh              refresh the rollups court by court (each court committed on its own)
  --court <code>       refresh: only this court (its code, e.g. D01)
  --target <t>         dev (default: .env), staging (.env.staging) or prod (.env.prod); without the
                       file, the environment (containers)`;

const OPTIONS = {
  court: { type: "string" },
  target: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const n = (v: number) => v.toLocaleString("en-US");

/**
 * Drops every cached measure (they are all tagged "time-standards", the tag a standard edit drops),
 * so the dashboard shows the new figures at once rather than after the cache's 6 hours. Without
 * REDIS_URL the cache lives inside the API process (embedded mode): nothing to reach from here.
 */
async function dropCachedMeasures(config: Config): Promise<string> {
  if (!config.REDIS_URL) return "no REDIS_URL: an embedded API keeps its own cache until it restarts";
  const logger = createLogger({ level: "silent" });
  const deps = buildRedisDeps(config, logger, createMetricsRegistry());
  try {
    // The cache skips (degrades) while its connection is not up: wait for it, a few seconds at most.
    const deadline = Date.now() + 5_000;
    await Promise.race([deps.redis?.cache.ping().catch(() => {}), Bun.sleep(5_000)]);
    while (deps.redis?.state().cache !== "up" && Date.now() < deadline) await Bun.sleep(50);
    if (deps.redis?.state().cache !== "up") {
      warn(
        "could not reach the cache's Redis: cached measures were not dropped (they expire within 6 hours)",
      );
      return "cached measures not dropped";
    }
    await measuresCache(deps.cache).invalidateTags([TIME_STANDARDS_TAG]);
    return "cached measures dropped";
  } finally {
    await deps.close();
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(Bun.argv.slice(2), OPTIONS, USAGE);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const command = positionals[0];
  if (positionals.length !== 1 || (command !== "rebuild" && command !== "refresh"))
    throw new CliError(USAGE, EXIT_USAGE);
  if (command === "rebuild" && values.court !== undefined)
    throw new CliError(
      `--court applies to refresh only: a rebuild covers every court\n\n${USAGE}`,
      EXIT_USAGE,
    );
  if (values.court !== undefined && !/^\S+$/.test(values.court))
    throw new CliError(`--court must be a court code, e.g. --court D01`, EXIT_USAGE);
  const target = values.target ?? "dev";
  if (!isTarget(target)) throw new CliError(`--target must be dev, staging or prod\n\n${USAGE}`, EXIT_USAGE);
  const { config, origin } = resolveTarget(target, process.env, process.cwd());

  const handle = await openTargetHandle(target, config);
  try {
    say(
      `target: ${handle.kind === "pglite" ? `embedded PGlite ${handle.target}` : handle.target}  [settings: ${origin}]`,
    );
    const status = await migrationStatus(handle.db);
    if (!status.upToDate) {
      throw new CliError(
        `${handle.target} has ${status.pending.length} pending migration(s): run \`bun run ${handle.kind === "pglite" ? "db:migrate" : `migrate:${target}`}\` first`,
      );
    }
    if (command === "rebuild") {
      say("rebuilding every measure rollup (measure reads keep answering with the current figures)…");
      const r = await refreshMeasureRollups(handle.db, {});
      say(
        `rebuilt the measure rollups of ${n(r.cases)} cases in ${formatMs(r.ms)} (${r.strategy === "swap" ? "built beside the live tables and swapped in" : "rebuilt in place"})`,
      );
      // Index-only scans need the rows marked all-visible (and an in-place rebuild left the old rows dead).
      const v0 = performance.now();
      await vacuumRollups(handle.db);
      say(`vacuumed the rollup tables in ${formatMs(performance.now() - v0)}`);
      say(await dropCachedMeasures(config));
      return 0;
    }

    const courts = rowsOf<{ id: number; code: string }>(
      await handle.db.execute(
        values.court === undefined
          ? sql`select id, code from courts order by code`
          : sql`select id, code from courts where code = ${values.court}`,
      ),
    );
    if (values.court !== undefined && courts.length === 0)
      throw new CliError(`no court with code "${values.court}": nothing refreshed`);
    const started = performance.now();
    let total = 0;
    for (const court of courts) {
      const r = await refreshMeasureRollups(handle.db, { courtIds: [court.id] });
      total += r.cases;
      say(`  ${court.code.padEnd(10)} ${n(r.cases).padStart(10)} cases  ${formatMs(r.ms)}`);
    }
    say(
      `refreshed the measure rollups of ${n(courts.length)} court(s), ${n(total)} cases, in ${formatMs(performance.now() - started)}`,
    );
    say(await dropCachedMeasures(config));
    return 0;
  } finally {
    await handle.close();
  }
}

runCli(main);
