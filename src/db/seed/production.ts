import type { DbHandle } from "../client";
import { seedTimeStandards } from "./reference";
import { withSeedTransaction } from "./session";
import { hashUsers } from "./users";
import { sqlLiteral } from "./writer";

// db:seed:prod: the reference data production needs and its first admin. Idempotent and additive
// only: existing time standards (maybe edited by admins) and an existing user with that email are
// left exactly as they are, and nothing is ever deleted.

export interface ProductionSeedResult {
  timeStandardsInserted: number;
  adminCreated: boolean;
}

export async function seedProduction(
  handle: DbHandle,
  admin: { email: string; password: string },
): Promise<ProductionSeedResult> {
  const [user] = await hashUsers([
    { email: admin.email, name: "Administrator", role: "admin", courtCode: null, password: admin.password },
  ]);
  return withSeedTransaction(handle, async (s) => {
    const timeStandardsInserted = await seedTimeStandards(s);
    // The unique index is on lower(email): a differently-cased existing email counts as the same user.
    const created = await s.query(
      `insert into users (email, name, password_hash, role)
       values (${sqlLiteral(user!.email)}, ${sqlLiteral(user!.name)}, ${sqlLiteral(user!.passwordHash)}, 'admin')
       on conflict ((lower(email))) do nothing
       returning id`,
    );
    return { timeStandardsInserted, adminCreated: created.length > 0 };
  });
}
