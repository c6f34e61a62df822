import { hashPassword } from "../../src/auth/passwords";
import type { Database } from "../../src/db/client";
import { type Court, courts, type User, users } from "../../src/db/schema";
import type { CourtLevel, UserRole } from "../../src/db/schema/enums";

export const TEST_PASSWORD = "correct-horse-battery-staple";

let hashed: Promise<string> | null = null;
/** argon2id is deliberately slow: hash the shared test password once per run. */
function testPasswordHash(): Promise<string> {
  hashed ??= hashPassword(TEST_PASSWORD);
  return hashed;
}

export async function makeCourt(
  db: Database,
  values: { code: string; name?: string; level?: CourtLevel; parentId?: number | null },
): Promise<Court> {
  const [row] = await db
    .insert(courts)
    .values({
      code: values.code,
      name: values.name ?? `Court ${values.code}`,
      level: values.level ?? "trial",
      parentId: values.parentId ?? null,
    })
    .returning();
  return row!;
}

export async function makeUser(
  db: Database,
  values: {
    email: string;
    role: UserRole;
    courtId?: number | null;
    active?: boolean;
    name?: string;
    password?: string;
  },
): Promise<User> {
  const passwordHash = values.password ? await hashPassword(values.password) : await testPasswordHash();
  const [row] = await db
    .insert(users)
    .values({
      email: values.email,
      name: values.name ?? values.email.split("@")[0]!,
      role: values.role,
      courtId: values.courtId ?? null,
      active: values.active ?? true,
      passwordHash,
    })
    .returning();
  return row!;
}

/** A small court tree: STATE (supreme) → D1, D2 (trial) → D1-L (limited under D1). */
export async function makeCourtTree(db: Database) {
  const state = await makeCourt(db, { code: "STATE", level: "supreme" });
  const d1 = await makeCourt(db, { code: "D1", level: "trial", parentId: state.id });
  const d2 = await makeCourt(db, { code: "D2", level: "trial", parentId: state.id });
  const d1l = await makeCourt(db, { code: "D1-L", level: "limited", parentId: d1.id });
  return { state, d1, d2, d1l };
}
