import { timeStandardRows } from "../reference/time-standards";
import type { SeedSession } from "./session";

/**
 * Inserts the model time standards that are missing. Existing tiers are left alone: admins may have
 * edited them, and a seed never overwrites an operator's decision. Returns the number inserted.
 */
export async function seedTimeStandards(session: SeedSession): Promise<number> {
  const values = timeStandardRows()
    .map((r) => `('${r.caseType}', ${r.percent}, ${r.days})`)
    .join(", ");
  const rows = await session.query(
    `insert into time_standards (case_type, percent, days) values ${values} on conflict (case_type, percent) do nothing returning 1`,
  );
  return rows.length;
}
