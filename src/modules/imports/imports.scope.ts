import { sql } from "drizzle-orm";
import { type CourtIds, intersectCourtIds } from "../../auth/scope";
import { type Database, rowsOf } from "../../db/client";
import { intArray } from "../../db/sql";
import { courtSubtreeIds } from "../courts/courts.tree.repo";
import { CodeMap, type Lookups } from "./imports.cells";

// Which courts and judges a batch may write, decided from today's facts, never only from the day
// of the upload: a court moved out of a court administrator's subtree since then is out of scope
// for every later run of the batch (a retry included). Courts and judges out of scope are left out
// of the code maps altogether, so a row naming one reads "unknown court code" / "unknown judge code"
// exactly as for a code that does not exist.

/**
 * The courts a user may write today: every court for admins and analysts, the subtree of their court
 * for the scoped roles, nothing for a scoped role without a court (fails closed). `undefined` when the
 * user no longer exists.
 */
export async function currentUserScope(db: Database, userId: number): Promise<CourtIds | undefined> {
  const [user] = rowsOf<{ role: string; court_id: number | null }>(
    await db.execute(sql`select role, court_id from users where id = ${userId}`),
  );
  if (!user) return undefined;
  if (user.role === "admin" || user.role === "analyst") return null;
  if (user.court_id === null) return [];
  return courtSubtreeIds(db, Number(user.court_id));
}

/**
 * The scope a run of the batch works in: what was recorded (the uploader's at upload; at a retry, also
 * the retrying user's), narrowed by the uploader's scope today. An uploader who was deleted leaves the
 * recorded scope.
 */
export async function batchScope(
  db: Database,
  batch: { scopeCourtIds: CourtIds; createdBy: number | null },
): Promise<CourtIds> {
  const uploader = batch.createdBy === null ? undefined : await currentUserScope(db, batch.createdBy);
  return uploader === undefined ? batch.scopeCourtIds : intersectCourtIds(batch.scopeCourtIds, uploader);
}

/**
 * Court and judge codes a batch may name. A judge is visible in a scope when their home court is in it
 * or they hold an assignment to one of its courts today (as the judges routes decide).
 */
export async function loadLookups(db: Database, scope: CourtIds, today: string): Promise<Lookups> {
  const inScope = scope === null ? sql`true` : sql`id = any(${intArray(scope)})`;
  const courts = rowsOf<{ id: number; code: string }>(
    await db.execute(sql`select id, code from courts where ${inScope}`),
  );
  const judgeInScope =
    scope === null
      ? sql`true`
      : sql`(j.court_id = any(${intArray(scope)}) or exists (
          select 1 from judge_assignments a
          where a.judge_id = j.id and a.court_id = any(${intArray(scope)})
            and a.starts_on <= ${today}::date and (a.ends_on is null or a.ends_on >= ${today}::date)))`;
  const judges = rowsOf<{ id: number; code: string }>(
    await db.execute(sql`select j.id, j.code from judges j where ${judgeInScope}`),
  );
  const ids = (rows: { id: number; code: string }[]) => rows.map((r) => ({ id: Number(r.id), code: r.code }));
  return {
    courts: new CodeMap(ids(courts)),
    judges: new CodeMap(ids(judges)),
    scope: scope === null ? null : new Set(scope),
  };
}
