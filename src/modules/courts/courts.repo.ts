import { asc, eq, inArray, sql } from "drizzle-orm";
import { type Court, cases, courts, type NewCourt } from "../../db/schema";
import type { CaseStatus } from "../../db/schema/enums";
import type { Db, Transaction } from "../../db/transaction";

/** Every court: a state has a few hundred at most, so the service keeps them cached as one list. */
export async function listAllCourts(db: Db): Promise<Court[]> {
  return db.select().from(courts).orderBy(asc(courts.code));
}

export async function findCourtById(db: Db, id: number): Promise<Court | undefined> {
  const [row] = await db.select().from(courts).where(eq(courts.id, id));
  return row;
}

export async function findCourtByCode(db: Db, code: string): Promise<Court | undefined> {
  const [row] = await db.select().from(courts).where(eq(courts.code, code));
  return row;
}

export async function insertCourt(db: Db, values: NewCourt): Promise<Court> {
  const [row] = await db.insert(courts).values(values).returning();
  return row!;
}

export async function updateCourt(db: Db, id: number, values: Partial<NewCourt>): Promise<Court | undefined> {
  const [row] = await db
    .update(courts)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(courts.id, id))
    .returning();
  return row;
}

/**
 * Serialises hierarchy changes: two concurrent re-parentings could each pass the cycle check alone
 * and form a cycle together, so every court write takes this transaction-scoped lock first.
 */
export async function lockCourtHierarchy(tx: Transaction): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('courtflow:courts:hierarchy'))`);
}

/** Parent links read inside the write transaction (after the lock), never from the cache. */
export async function courtParents(tx: Transaction): Promise<Map<number, number | null>> {
  const rows = await tx.select({ id: courts.id, parentId: courts.parentId }).from(courts);
  return new Map(rows.map((r) => [r.id, r.parentId]));
}

/** Cases per status over a set of courts (an index-only scan of cases_court_status_type_idx). */
export async function caseCountsByStatus(db: Db, courtIds: number[]): Promise<Record<CaseStatus, number>> {
  const counts: Record<CaseStatus, number> = { active: 0, inactive: 0, disposed: 0 };
  if (courtIds.length === 0) return counts;
  const rows = await db
    .select({ status: cases.status, n: sql<number>`count(*)::int` })
    .from(cases)
    .where(inArray(cases.courtId, courtIds))
    .groupBy(cases.status);
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}
