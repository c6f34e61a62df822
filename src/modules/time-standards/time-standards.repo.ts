import { asc, eq } from "drizzle-orm";
import { type TimeStandard, timeStandards } from "../../db/schema";
import type { CaseType } from "../../db/schema/enums";
import type { Db, Transaction } from "../../db/transaction";

export async function listTimeStandardRows(db: Db): Promise<TimeStandard[]> {
  return db.select().from(timeStandards).orderBy(asc(timeStandards.caseType), asc(timeStandards.percent));
}

/** Replaces every tier of one case type (the caller runs this in its transaction). */
export async function replaceTiers(
  tx: Transaction,
  caseType: CaseType,
  tiers: { percent: number; days: number }[],
): Promise<TimeStandard[]> {
  await tx.delete(timeStandards).where(eq(timeStandards.caseType, caseType));
  return tx
    .insert(timeStandards)
    .values(tiers.map((t) => ({ caseType, percent: t.percent, days: t.days })))
    .returning();
}
