import { and, asc, eq, gt, ilike, inArray, or, type SQL, sql } from "drizzle-orm";
import type { CourtIds } from "../../auth/scope";
import { cases, courts, type Judge, judges, type NewJudge } from "../../db/schema";
import type { CaseStatus, CaseType } from "../../db/schema/enums";
import type { Db } from "../../db/transaction";

/**
 * A judge belongs to a set of courts when their home court is in it or they hold an assignment to one
 * of them today. Used both for the caller's scope and for the `courtId` filter.
 */
export function judgeInCourts(ids: CourtIds, today: string): SQL | undefined {
  if (ids === null) return undefined;
  if (ids.length === 0) return sql`false`;
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  return sql`(${judges.courtId} in (${list}) or exists (
    select 1 from judge_assignments a
    where a.judge_id = ${judges.id} and a.court_id in (${list})
      and a.starts_on <= ${today} and (a.ends_on is null or a.ends_on >= ${today})))`;
}

export interface JudgeFilters {
  /** Courts from the courtId filter (with descendants), already intersected with the scope. */
  courtIds: CourtIds;
  active?: boolean;
  search?: string;
  limit: number;
  cursor?: { name: string; id: number };
}

const judgeColumns = {
  id: judges.id,
  code: judges.code,
  name: judges.name,
  courtId: judges.courtId,
  courtCode: courts.code,
  active: judges.active,
  createdAt: judges.createdAt,
  updatedAt: judges.updatedAt,
};

export type JudgeRow = Judge & { courtCode: string };

/** Ordered by name then id (keyset), so the dashboard's picker reads alphabetically. */
export async function listJudges(db: Db, f: JudgeFilters, today: string) {
  const where: (SQL | undefined)[] = [judgeInCourts(f.courtIds, today)];
  if (f.active !== undefined) where.push(eq(judges.active, f.active));
  if (f.search) {
    const like = `%${f.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(or(ilike(judges.name, like), ilike(judges.code, like)));
  }
  if (f.cursor) {
    where.push(
      or(gt(judges.name, f.cursor.name), and(eq(judges.name, f.cursor.name), gt(judges.id, f.cursor.id))),
    );
  }
  const rows = await db
    .select(judgeColumns)
    .from(judges)
    .innerJoin(courts, eq(courts.id, judges.courtId))
    .where(and(...where))
    .orderBy(asc(judges.name), asc(judges.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    rows: page as JudgeRow[],
    next: rows.length > f.limit && last ? { name: last.name, id: last.id } : null,
  };
}

export async function findJudgeInScope(
  db: Db,
  id: number,
  scope: CourtIds,
  today: string,
): Promise<JudgeRow | undefined> {
  const [row] = await db
    .select(judgeColumns)
    .from(judges)
    .innerJoin(courts, eq(courts.id, judges.courtId))
    .where(and(eq(judges.id, id), judgeInCourts(scope, today)));
  return row as JudgeRow | undefined;
}

export async function insertJudge(db: Db, values: NewJudge): Promise<Judge> {
  const [row] = await db.insert(judges).values(values).returning();
  return row!;
}

export async function updateJudge(db: Db, id: number, values: Partial<NewJudge>): Promise<Judge | undefined> {
  const [row] = await db
    .update(judges)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(judges.id, id))
    .returning();
  return row;
}

/** Judges sitting at a court today: its home judges and those currently assigned there. */
export async function currentJudgesOfCourt(db: Db, courtId: number, today: string) {
  const rows = await db
    .select({
      id: judges.id,
      code: judges.code,
      name: judges.name,
      home: sql<boolean>`${judges.courtId} = ${courtId}`,
    })
    .from(judges)
    .where(and(eq(judges.active, true), judgeInCourts([courtId], today)))
    .orderBy(asc(judges.name), asc(judges.id));
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    via: r.home ? ("home" as const) : ("assignment" as const),
  }));
}

export interface Caseload {
  active: number;
  inactive: number;
  disposed: number;
  activeByCaseType: Partial<Record<CaseType, number>>;
}

/** The judge's cases in `courtIds` (null = all) by status (cases_judge_idx), active ones split by type. */
export async function caseloadOf(db: Db, judgeId: number, courtIds: CourtIds): Promise<Caseload> {
  const load: Caseload = { active: 0, inactive: 0, disposed: 0, activeByCaseType: {} };
  if (courtIds !== null && courtIds.length === 0) return load;
  const rows = await db
    .select({ status: cases.status, caseType: cases.caseType, n: sql<number>`count(*)::int` })
    .from(cases)
    .where(and(eq(cases.judgeId, judgeId), courtIds === null ? undefined : inArray(cases.courtId, courtIds)))
    .groupBy(cases.status, cases.caseType);
  for (const r of rows) {
    const n = Number(r.n);
    load[r.status as CaseStatus] += n;
    if (r.status === "active") load.activeByCaseType[r.caseType] = n;
  }
  return load;
}
