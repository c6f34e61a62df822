import type { DbHandle } from "../client";
import { deferIndexesAndForeignKeys } from "./bulk-load";
import {
  ACTIVITY_COLUMNS,
  type ActivityRow,
  CASE_COLUMNS,
  type CaseContext,
  type CaseRow,
  generateCase,
} from "./cases";
import { buildCourtPlan, type CourtPlan } from "./courts";
import { dayOf } from "./dates";
import { createPrng } from "./prng";
import { seedTimeStandards } from "./reference";
import { type SeedSession, withSeedTransaction } from "./session";
import { maxId, nonEmptyTables, reserveIds, syncSequence, truncateApplicationTables } from "./tables";
import { type HashedUser, hashUsers, type SeedUser } from "./users";

// The demo data set behind db:seed:dev, db:seed:staging and the embedded first start:
// courts → judges → users → cases and activities in chunks. seedDemoData runs in one transaction and,
// on PostgreSQL, COPYs each chunk while the next one is generated; seedDemoDataInSteps commits chunk
// by chunk so that a running API (embedded mode) keeps answering while it fills the database.

export interface DemoSeedOptions {
  cases: number;
  seed: number;
  /** The data's "today" (YYYY-MM-DD): filings end here; same seed and asOf → same data. */
  asOf: string;
  /** Years of filings before asOf. */
  years?: number;
  users: readonly SeedUser[];
  /** Empty every application table first; without it a database holding data is refused. */
  force?: boolean;
  chunkSize?: number;
  onProgress?: (casesDone: number, casesTotal: number, activities: number) => void;
}

export interface DemoSeedSummary {
  courts: number;
  judges: number;
  assignments: number;
  cases: number;
  activities: number;
  timeStandards: number;
  users: SeedUser[];
  durationMs: number;
  /** Of durationMs: rebuilding the indexes and foreign keys dropped for the bulk load. */
  rebuildMs: number;
}

/** The database already holds data and the caller did not ask to replace it. */
export class SeedRefusedError extends Error {
  constructor(readonly tables: string[]) {
    super(`the database already holds data (${tables.join(", ")})`);
    this.name = "SeedRefusedError";
  }
}

interface Chunk {
  cases: CaseRow[];
  activities: ActivityRow[];
}

/** Cases generated between two trips to the event loop, where the previous chunk's COPY is fed. */
const YIELD_EVERY = 1_000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function generateChunk(ctx: CaseContext, from: number, to: number, ids: IdCursor): Promise<Chunk> {
  const cases: CaseRow[] = [];
  const activities: ActivityRow[] = [];
  for (let i = from; i < to; i++) {
    const g = generateCase(ctx, i, ids.caseBase + i + 1, ids.nextActivity);
    cases.push(g.row);
    for (const a of g.activities) activities.push(a);
    ids.nextActivity += g.activities.length;
    if ((i - from) % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
  }
  return { cases, activities };
}

interface IdCursor {
  caseBase: number;
  nextActivity: number;
}

interface Prepared {
  ctx: CaseContext;
  plan: CourtPlan;
  timeStandards: number;
  ids: IdCursor;
}

function contextOf(opts: Pick<DemoSeedOptions, "seed" | "asOf" | "years">): {
  ctx: CaseContext;
  plan: CourtPlan;
} {
  const asOf = dayOf(opts.asOf);
  const windowStart = asOf - Math.round((opts.years ?? 5) * 365.25);
  const plan = buildCourtPlan(createPrng(opts.seed), windowStart, asOf);
  return { plan, ctx: { seed: opts.seed, plan, windowStart, asOf } };
}

/** Refuses or empties, then writes the reference data, the hierarchy, the judges and the users. */
async function prepare(
  s: SeedSession,
  opts: Omit<DemoSeedOptions, "chunkSize">,
  users: HashedUser[],
): Promise<Prepared> {
  if (opts.force) await truncateApplicationTables(s);
  else {
    const present = await nonEmptyTables(s);
    if (present.length > 0) throw new SeedRefusedError(present);
  }
  const timeStandards = await seedTimeStandards(s);
  const { ctx, plan } = contextOf(opts);
  await s.writer.write(
    "courts",
    ["id", "code", "name", "level", "parent_id"],
    plan.courts.map((c) => [c.id, c.code, c.name, c.level, c.parentId]),
  );
  await s.writer.write(
    "judges",
    ["id", "code", "name", "court_id", "active"],
    plan.judges.map((j) => [j.id, j.code, j.name, j.courtId, String(j.active)]),
  );
  await s.writer.write(
    "judge_assignments",
    ["judge_id", "court_id", "starts_on", "ends_on"],
    plan.assignments.map((a) => [a.judgeId, a.courtId, a.startsOn, a.endsOn]),
  );
  const courtIds = new Map(plan.courts.map((c) => [c.code, c.id]));
  await s.writer.write(
    "users",
    ["email", "name", "password_hash", "role", "court_id"],
    users.map((u) => [
      u.email,
      u.name,
      u.passwordHash,
      u.role,
      u.courtCode ? (courtIds.get(u.courtCode) ?? null) : null,
    ]),
  );
  for (const t of ["courts", "judges"]) await syncSequence(s, t);
  const ids = { caseBase: await maxId(s, "cases"), nextActivity: (await maxId(s, "case_activities")) + 1 };
  return { ctx, plan, timeStandards, ids };
}

async function finish(s: SeedSession): Promise<void> {
  for (const t of ["cases", "case_activities"]) await syncSequence(s, t);
  // Fresh statistics, so the first dashboard queries get good plans without waiting for autovacuum.
  await s.query("analyze courts, judges, judge_assignments, cases, case_activities");
}

function summaryOf(
  p: Prepared,
  opts: Pick<DemoSeedOptions, "cases" | "users">,
  activities: number,
  started: number,
  rebuildMs = 0,
): DemoSeedSummary {
  return {
    courts: p.plan.courts.length,
    judges: p.plan.judges.length,
    assignments: p.plan.assignments.length,
    cases: opts.cases,
    activities,
    timeStandards: p.timeStandards,
    users: [...opts.users],
    durationMs: Math.round(performance.now() - started),
    rebuildMs: Math.round(rebuildMs),
  };
}

/** The whole data set in one transaction: all of it or nothing. */
export async function seedDemoData(handle: DbHandle, opts: DemoSeedOptions): Promise<DemoSeedSummary> {
  const started = performance.now();
  // Chunks of ~5 % (progress moves), within bounds that keep COPY efficient and memory flat.
  const chunkSize =
    opts.chunkSize ??
    Math.min(handle.kind === "postgres" ? 25_000 : 2_000, Math.max(500, Math.ceil(opts.cases / 20)));
  // Hash before the transaction: argon2 is slow on purpose, and the transaction should not wait on it.
  const users = await hashUsers(opts.users);
  return withSeedTransaction(handle, async (s) => {
    const p = await prepare(s, opts, users);
    // COPY into index-free tables, then rebuild (PostgreSQL; on PGlite the data sets are small).
    const deferred =
      s.kind === "postgres" ? await deferIndexesAndForeignKeys(s, ["cases", "case_activities"]) : null;
    let activities = 0;
    let inflight: Promise<void> = Promise.resolve();
    for (let from = 0; from < opts.cases; from += chunkSize) {
      const to = Math.min(opts.cases, from + chunkSize);
      const chunk = await generateChunk(p.ctx, from, to, p.ids);
      // One statement at a time per connection: wait for the previous chunk, then hand this one over
      // and go back to generating while the server ingests it.
      await inflight;
      activities += chunk.activities.length;
      const total = activities;
      inflight = (async () => {
        await s.writer.write("cases", CASE_COLUMNS, chunk.cases);
        await s.writer.write("case_activities", ACTIVITY_COLUMNS, chunk.activities);
        opts.onProgress?.(to, opts.cases, total);
      })();
      // Marks the rejection handled until the next iteration awaits it.
      inflight.catch(() => {});
    }
    await inflight;
    const rebuildStarted = performance.now();
    await deferred?.restore();
    const rebuildMs = performance.now() - rebuildStarted;
    await finish(s);
    return summaryOf(p, opts, activities, started, rebuildMs);
  });
}

/**
 * Lets requests and timers run between two steps of a stepped seed. PGlite answers through promises
 * that settle without a trip to the event loop (on a reopened directory at least), so a seed awaiting
 * one statement after another held the loop for its whole run: 18 to 46 s of unanswered health
 * checks while the embedded demo data loaded. A timer, not setImmediate: it lets I/O in too.
 */
const yieldToTimers = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Generous bound on one case's activities (the generator stays far below it). */
export const MAX_ACTIVITIES_PER_CASE = 100;

/** Where an interrupted stepped seed stands: the chunks it committed are a prefix of its cases. */
export interface SeedResumePoint {
  /** Ids before the seed's first case and activity (0 on a blank database). */
  caseBase: number;
  /** Cases committed so far (cases caseBase+1 … caseBase+casesDone). */
  casesDone: number;
  nextActivity: number;
}

export interface SteppedSeedOptions extends Omit<DemoSeedOptions, "chunkSize"> {
  /** Cases per transaction; with a list, one size per chunk in turn, the last one repeating. */
  chunkSize?: number | readonly number[];
  /** Called after each committed chunk with its case ids (to refresh derived data). */
  afterChunk?: (caseIds: number[]) => Promise<void>;
  /** Called once the courts, judges and users are committed (they can log in from then on). */
  afterPrepare?: () => void;
  /** Stops between chunks (shutdown during a background seed). */
  signal?: AbortSignal;
  /** Continue an interrupted seed of the same options (seed, asOf, cases) instead of starting one. */
  resume?: SeedResumePoint;
}

/**
 * The same data in short transactions (the hierarchy and users first, then chunk by chunk), for a
 * database that serves requests meanwhile. A crash part-way leaves the chunks committed so far, and
 * `resume` carries on from there: each case is generated from its own index, so the cases loaded
 * after a resume are the ones an uninterrupted run would have loaded.
 */
export async function seedDemoDataInSteps(
  handle: DbHandle,
  opts: SteppedSeedOptions,
): Promise<DemoSeedSummary> {
  const started = performance.now();
  const sizes = typeof opts.chunkSize === "number" ? [opts.chunkSize] : (opts.chunkSize ?? [250]);
  let p: Prepared;
  if (opts.resume) {
    const { ctx, plan } = contextOf(opts);
    p = {
      ctx,
      plan,
      timeStandards: 0,
      ids: { caseBase: opts.resume.caseBase, nextActivity: opts.resume.nextActivity },
    };
  } else {
    const users = await hashUsers(opts.users);
    if (opts.signal?.aborted) throw new SeedAbortedError();
    p = await withSeedTransaction(handle, async (s) => {
      const prepared = await prepare(s, opts, users);
      // The API may insert while we load: move its sequences past the ids this seed will write.
      await reserveIds(s, "cases", prepared.ids.caseBase + opts.cases);
      await reserveIds(
        s,
        "case_activities",
        prepared.ids.nextActivity + opts.cases * MAX_ACTIVITIES_PER_CASE,
      );
      return prepared;
    });
  }
  opts.afterPrepare?.();
  let activities = 0;
  let chunk = 0;
  for (let from = opts.resume?.casesDone ?? 0; from < opts.cases && !opts.signal?.aborted; chunk++) {
    const to = Math.min(opts.cases, from + sizes[Math.min(chunk, sizes.length - 1)]!);
    const rows = await generateChunk(p.ctx, from, to, p.ids);
    await withSeedTransaction(handle, async (s) => {
      await s.writer.write("cases", CASE_COLUMNS, rows.cases);
      await s.writer.write("case_activities", ACTIVITY_COLUMNS, rows.activities);
    });
    activities += rows.activities.length;
    await yieldToTimers();
    // Stopping: the refresh can wait (a resumed seed rebuilds the rollups at its end).
    if (opts.signal?.aborted) break;
    await opts.afterChunk?.(rows.cases.map((c) => c[0]));
    await yieldToTimers();
    opts.onProgress?.(to, opts.cases, activities);
    from = to;
  }
  await withSeedTransaction(handle, finish);
  return summaryOf(p, opts, activities, started);
}

/** The seed was asked to stop before it wrote anything. */
export class SeedAbortedError extends Error {
  constructor() {
    super("seed stopped before it started");
    this.name = "SeedAbortedError";
  }
}
