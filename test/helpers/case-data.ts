import type { Database } from "../../src/db/client";
import { timeStandardRows } from "../../src/db/reference/time-standards";
import { caseActivities, cases, judgeAssignments, judges, timeStandards } from "../../src/db/schema";
import type { ActivityType, CaseStatus, CaseType, Disposition, Outcome } from "../../src/db/schema/enums";
import { refreshMeasureRollups } from "../../src/modules/measures/measures.rollups.repo";
import type { TestApp } from "./app";
import { resetDb, resetRedis } from "./db";

// Factories for judges, cases and their activities, for the data-API tests.

/** Empties the database and this run's Redis db: cached courts and scopes must not outlive their rows. */
export async function resetData(t: TestApp): Promise<void> {
  await resetDb(t.deps.db.db);
  await resetRedis(t.deps.redis);
}

/** The model time standards (docs/measures.md), as the seed stores them. */
export async function seedStandards(db: Database): Promise<void> {
  await db.insert(timeStandards).values(timeStandardRows()).onConflictDoNothing();
}

export async function makeJudge(
  db: Database,
  values: { code: string; courtId: number; name?: string; active?: boolean },
) {
  const [row] = await db
    .insert(judges)
    .values({
      code: values.code,
      name: values.name ?? `Judge ${values.code}`,
      courtId: values.courtId,
      active: values.active ?? true,
    })
    .returning();
  return row!;
}

export async function makeAssignment(
  db: Database,
  values: { judgeId: number; courtId: number; startsOn: string; endsOn?: string | null },
) {
  const [row] = await db
    .insert(judgeAssignments)
    .values({ ...values, endsOn: values.endsOn ?? null })
    .returning();
  return row!;
}

export interface EventSpec {
  type: ActivityType;
  on: string;
  outcome?: Outcome;
  notes?: string;
  judgeId?: number | null;
}

export interface CaseSpec {
  courtId: number;
  caseNumber: string;
  caseType: CaseType;
  filedOn: string;
  status?: CaseStatus;
  judgeId?: number | null;
  disposedOn?: string | null;
  disposition?: Disposition | null;
  /** Status and court events; a `filed` event on filedOn is added unless one is given. */
  events?: EventSpec[];
}

let sourceCounter = 0;

/** Inserts cases and their activities (without refreshing the measure rollups). */
export async function insertCases(db: Database, specs: CaseSpec[]): Promise<number[]> {
  if (specs.length === 0) return [];
  const rows = await db
    .insert(cases)
    .values(
      specs.map((s) => ({
        courtId: s.courtId,
        caseNumber: s.caseNumber,
        caseType: s.caseType,
        filedOn: s.filedOn,
        status: s.status ?? "active",
        judgeId: s.judgeId ?? null,
        disposedOn: s.disposedOn ?? null,
        disposition: s.disposition ?? null,
      })),
    )
    .returning({ id: cases.id });
  const activities = specs.flatMap((s, i) => {
    const events = s.events ?? [];
    const all = events.some((e) => e.type === "filed")
      ? events
      : [{ type: "filed" as const, on: s.filedOn }, ...events];
    return all.map((e) => ({
      caseId: rows[i]!.id,
      courtId: s.courtId,
      sourceId: `S${++sourceCounter}`,
      type: e.type,
      occurredOn: e.on,
      outcome: e.outcome ?? null,
      notes: e.notes ?? null,
      judgeId: e.judgeId ?? null,
    }));
  });
  for (let i = 0; i < activities.length; i += 1000) {
    await db.insert(caseActivities).values(activities.slice(i, i + 1000));
  }
  return rows.map((r) => r.id);
}

/** Inserts cases and brings the measure rollups (hence ages) up to date, as the import pipeline does. */
export async function makeCases(db: Database, specs: CaseSpec[]): Promise<number[]> {
  const ids = await insertCases(db, specs);
  await refreshMeasureRollups(db, { caseIds: ids });
  return ids;
}
