import { and, asc, eq, gt, ilike, inArray, or, type SQL, sql } from "drizzle-orm";
import { rowsOf } from "../../db/client";
import { courts, type NewUser, type User, users } from "../../db/schema";
import type { UserRole } from "../../db/schema/enums";
import type { Db, Transaction } from "../../db/transaction";
import type { UserVisibility } from "./users.policy";

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
  return row;
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/** What authorization depends on (see auth/user-state.ts); undefined when the row does not exist. */
export async function findUserAuthState(db: Db, id: number) {
  const [row] = await db
    .select({ active: users.active, role: users.role, courtId: users.courtId })
    .from(users)
    .where(eq(users.id, id));
  return row;
}

/** The users a caller may see (users.policy.ts): everything, or those roles within those courts. */
export function userVisibilityCondition(v: UserVisibility): SQL | undefined {
  if (v === null) return undefined;
  if (v.courtIds.length === 0 || v.roles.length === 0) return sql`false`;
  return and(inArray(users.role, [...v.roles]), inArray(users.courtId, v.courtIds));
}

export async function findVisibleUser(db: Db, id: number, v: UserVisibility): Promise<User | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), userVisibilityCondition(v)));
  return row;
}

export interface UserFilters {
  role?: UserRole;
  active?: boolean;
  courtId?: number;
  search?: string;
  cursor?: number;
  limit: number;
}

export async function listUsers(db: Db, f: UserFilters, v: UserVisibility) {
  const where: (SQL | undefined)[] = [userVisibilityCondition(v)];
  if (f.role) where.push(eq(users.role, f.role));
  if (f.active !== undefined) where.push(eq(users.active, f.active));
  if (f.courtId !== undefined) where.push(eq(users.courtId, f.courtId));
  if (f.search) {
    const like = `%${f.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(or(ilike(users.email, like), ilike(users.name, like)));
  }
  if (f.cursor !== undefined) where.push(gt(users.id, f.cursor));
  const rows = await db
    .select()
    .from(users)
    .where(and(...where))
    .orderBy(asc(users.id))
    .limit(f.limit + 1);
  return { rows: rows.slice(0, f.limit), nextCursor: rows.length > f.limit ? rows[f.limit - 1]!.id : null };
}

export async function insertUser(db: Db, values: NewUser): Promise<User> {
  const [row] = await db.insert(users).values(values).returning();
  return row!;
}

export async function updateUser(db: Db, id: number, values: Partial<NewUser>): Promise<User | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row;
}

/**
 * Active admins, their rows locked until the transaction ends: two admins demoting each other at the
 * same moment would otherwise both count two and leave none. The second waits, then sees one.
 */
export async function lockActiveAdmins(tx: Transaction): Promise<number[]> {
  const rows = rowsOf<{ id: number }>(
    await tx.execute(sql`select id from users where role = 'admin' and active for update`),
  );
  return rows.map((r) => Number(r.id));
}

export async function courtExists(db: Db, id: number): Promise<boolean> {
  const [row] = await db.select({ id: courts.id }).from(courts).where(eq(courts.id, id));
  return row !== undefined;
}
