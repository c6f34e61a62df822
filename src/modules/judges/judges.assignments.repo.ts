import { and, asc, eq } from "drizzle-orm";
import { courts, type JudgeAssignment, judgeAssignments } from "../../db/schema";
import type { Db } from "../../db/transaction";

export type AssignmentRow = JudgeAssignment & { courtCode: string };

const columns = {
  id: judgeAssignments.id,
  judgeId: judgeAssignments.judgeId,
  courtId: judgeAssignments.courtId,
  courtCode: courts.code,
  startsOn: judgeAssignments.startsOn,
  endsOn: judgeAssignments.endsOn,
  createdAt: judgeAssignments.createdAt,
  updatedAt: judgeAssignments.updatedAt,
};

/** A judge's assignments, oldest first (judge_assignments_judge_idx). */
export async function listAssignments(db: Db, judgeId: number): Promise<AssignmentRow[]> {
  return db
    .select(columns)
    .from(judgeAssignments)
    .innerJoin(courts, eq(courts.id, judgeAssignments.courtId))
    .where(eq(judgeAssignments.judgeId, judgeId))
    .orderBy(asc(judgeAssignments.startsOn), asc(judgeAssignments.id));
}

export async function findAssignment(
  db: Db,
  judgeId: number,
  assignmentId: number,
): Promise<AssignmentRow | undefined> {
  const [row] = await db
    .select(columns)
    .from(judgeAssignments)
    .innerJoin(courts, eq(courts.id, judgeAssignments.courtId))
    .where(and(eq(judgeAssignments.id, assignmentId), eq(judgeAssignments.judgeId, judgeId)));
  return row;
}

export async function insertAssignment(
  db: Db,
  values: { judgeId: number; courtId: number; startsOn: string; endsOn: string | null },
): Promise<JudgeAssignment> {
  const [row] = await db.insert(judgeAssignments).values(values).returning();
  return row!;
}

export async function updateAssignment(
  db: Db,
  id: number,
  values: Partial<Pick<JudgeAssignment, "courtId" | "startsOn" | "endsOn">>,
): Promise<JudgeAssignment | undefined> {
  const [row] = await db
    .update(judgeAssignments)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(judgeAssignments.id, id))
    .returning();
  return row;
}
