// Seeds: `bun run db:seed:<dev|staging|prod>`. See docs/operations.md.
//
//   dev      demo data (src/db/seed/): courts, judges, users with development passwords, cases and
//            activities; PostgreSQL, or the embedded PGlite directory without a URL
//   staging  the same generator, random passwords printed once; refuses a database holding data
//            unless --force (which empties every application table first, in the same transaction)
//   prod     reference data (time standards) and one admin from SEED_ADMIN_EMAIL/SEED_ADMIN_PASSWORD;
//            idempotent, never deletes
import type { Config } from "../src/config/env";
import type { DbHandle } from "../src/db/client";
import { applyMigrations, migrationStatus } from "../src/db/migrate";
import { isoOf, todayDay } from "../src/db/seed/dates";
import { type DemoSeedSummary, SeedRefusedError, seedDemoData } from "../src/db/seed/demo";
import { seedProduction } from "../src/db/seed/production";
import { DEV_USERS, withRandomPasswords } from "../src/db/seed/users";
import { refreshMeasureRollups, vacuumRollups } from "../src/modules/measures/measures.rollups.repo";
import { CliError, EXIT_USAGE, formatMs, parseCli, runCli, say } from "./lib/cli";
import { createProgress } from "./lib/progress";
import { isTarget, resolveTarget, type Target } from "./lib/target";
import { openTargetHandle } from "./lib/target-db";

const USAGE = `usage: bun scripts/seed.ts <dev|staging|prod> [options]
  --cases <n>       cases to generate, about 5 activities each (dev, staging; default 20000)
  --seed <n>        PRNG seed (default 1): the same --seed and --as-of give the same data
  --as-of <date>    the data's "today", YYYY-MM-DD (default: today, UTC)
  --force           empty every application table first (dev, staging)`;

const OPTIONS = {
  cases: { type: "string" },
  seed: { type: "string" },
  "as-of": { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const DEFAULT_CASES = 20_000;
const n = (v: number) => v.toLocaleString("en-US");

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const v = Number(raw.replace(/_/g, ""));
  if (!Number.isInteger(v) || v < min)
    throw new CliError(`--${name} must be an integer >= ${min}`, EXIT_USAGE);
  return v;
}

function asOfDate(raw: string | undefined): string {
  if (raw === undefined) return isoOf(todayDay());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw new CliError("--as-of must be a date YYYY-MM-DD", EXIT_USAGE);
  }
  return raw;
}

/** A seed needs the current schema. The embedded database migrates itself, like the API does on start. */
async function ensureMigrated(handle: DbHandle, target: Target): Promise<void> {
  const status = await migrationStatus(handle.db);
  if (status.upToDate) return;
  if (handle.kind === "pglite") {
    await applyMigrations(handle.db);
    return;
  }
  throw new CliError(
    `${handle.target} has ${status.pending.length} pending migration(s): run \`bun run migrate:${target}\` first`,
  );
}

function printDemoSummary(s: DemoSeedSummary, rollupsMs: number, target: Target): void {
  const rows = s.cases + s.activities;
  say("");
  say("summary");
  say(`  courts       ${n(s.courts)} (1 supreme, 3 appellate, 12 trial districts, 24 limited)`);
  say(`  judges       ${n(s.judges)} with ${n(s.assignments)} assignments`);
  say(`  cases        ${n(s.cases)}`);
  say(`  activities   ${n(s.activities)} (${(s.activities / Math.max(1, s.cases)).toFixed(1)} per case)`);
  say(`  standards    ${s.timeStandards} time-standard tiers`);
  say(
    `  load         ${formatMs(s.durationMs)}: ${n(rows)} case and activity rows, ` +
      `${n(Math.round(rows / (s.durationMs / 1000)))} rows/s (of which index and foreign key rebuild ${formatMs(s.rebuildMs)})`,
  );
  say(`  rollups      ${formatMs(rollupsMs)} (measure rollups rebuilt from the seeded data)`);
  say("");
  say(
    target === "dev"
      ? "development logins (fixed passwords, see README):"
      : "logins (random passwords, shown only now):",
  );
  for (const u of s.users) {
    say(
      `  ${u.role.padEnd(12)} ${u.email.padEnd(28)} ${u.password}${u.courtCode ? `   (scope: ${u.courtCode})` : ""}`,
    );
  }
}

async function seedDemo(
  target: Target,
  handle: DbHandle,
  values: Record<string, string | boolean | undefined>,
) {
  const cases = positiveInt("cases", values.cases as string | undefined, DEFAULT_CASES);
  const seed = positiveInt("seed", values.seed as string | undefined, 1, 0);
  const asOf = asOfDate(values["as-of"] as string | undefined);
  say(
    `seed ${target}: ${n(cases)} cases, seed ${seed}, as of ${asOf}${values.force ? ", --force (emptying first)" : ""}`,
  );
  const progress = createProgress("cases", cases);
  let summary: DemoSeedSummary;
  try {
    summary = await seedDemoData(handle, {
      cases,
      seed,
      asOf,
      force: Boolean(values.force),
      users: target === "dev" ? DEV_USERS : withRandomPasswords(DEV_USERS),
      onProgress: (done, _total, activities) => progress.update(done, `(${n(activities)} activities)`),
    });
  } catch (err) {
    if (err instanceof SeedRefusedError) {
      throw new CliError(
        `refusing: ${handle.target} already holds data (${err.tables.join(", ")}). ` +
          "Pass --force to empty every application table and seed again. Nothing was changed.",
      );
    }
    throw err;
  }
  progress.finish();
  const t0 = performance.now();
  await refreshMeasureRollups(handle.db);
  // The first dashboard reads would otherwise visit the heap until autovacuum passes (see vacuumRollups).
  await vacuumRollups(handle.db);
  printDemoSummary(summary, performance.now() - t0, target);
}

async function seedProd(
  config: Config,
  handle: DbHandle,
  values: Record<string, string | boolean | undefined>,
) {
  const extra = ["cases", "seed", "as-of", "force"].filter((k) => values[k] !== undefined);
  if (extra.length) {
    throw new CliError(
      `db:seed:prod seeds reference data and one admin only: ${extra.map((k) => `--${k}`).join(", ")} do not apply`,
      EXIT_USAGE,
    );
  }
  if (!config.SEED_ADMIN_EMAIL || !config.SEED_ADMIN_PASSWORD) {
    throw new CliError(
      "SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD are required for db:seed:prod (the password: at least 12 characters)",
    );
  }
  const r = await seedProduction(handle, {
    email: config.SEED_ADMIN_EMAIL,
    password: config.SEED_ADMIN_PASSWORD,
  });
  say(`time standards: ${r.timeStandardsInserted} tier(s) inserted (existing tiers are never changed)`);
  say(
    r.adminCreated
      ? `admin: created ${config.SEED_ADMIN_EMAIL}`
      : `admin: ${config.SEED_ADMIN_EMAIL} already exists, left unchanged`,
  );
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(Bun.argv.slice(2), OPTIONS, USAGE);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const target = positionals[0];
  if (positionals.length !== 1 || !isTarget(target)) throw new CliError(USAGE, EXIT_USAGE);
  // Scripts assemble their configuration source here and hand it to loadConfig (src/config/env.ts).
  const { config, origin } = resolveTarget(target, process.env, process.cwd());
  const handle = await openTargetHandle(target, config);
  try {
    say(
      `target: ${handle.kind === "pglite" ? `embedded PGlite ${handle.target}` : handle.target}  [settings: ${origin}]`,
    );
    await ensureMigrated(handle, target);
    if (target === "prod") await seedProd(config, handle, values);
    else await seedDemo(target, handle, values);
    return 0;
  } finally {
    await handle.close();
  }
}

runCli(main);
