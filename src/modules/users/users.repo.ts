import { and, asc, eq, gt, ilike, inArray, or, type SQL, sql } from "drizzle-orm";
import type { CourtIds } from "../../auth/scope";
import type { Database } from "../../db/client";
import { type NewUser, type User, users } from "../../db/schema";
import type { UserRole } from "../../db/schema/enums";
import type { Transaction } from "../../db/transaction";

type Db = Database | Transaction;

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

/** Scope rule for users: a scoped administrator sees users of courts in their subtree only. */
export function userScopeCondition(scope: CourtIds): SQL | undefined {
  if (scope === null) return undefined;
  if (scope.length === 0) return sql`false`;
  return inArray(users.courtId, scope);
}

export async function findUserInScope(db: Db, id: number, scope: CourtIds): Promise<User | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), userScopeCondition(scope)));
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

export async function listUsers(db: Db, f: UserFilters, scope: CourtIds) {
  const where: (SQL | undefined)[] = [userScopeCondition(scope)];
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

export async function countActiveAdmins(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.active, true)));
  return Number(row?.n ?? 0);
}
