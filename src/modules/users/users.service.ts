import type { AuthUser } from "../../app-env";
import type { AuthService } from "../../auth/auth.service";
import { hashPassword } from "../../auth/passwords";
import type { CourtIds } from "../../auth/scope";
import type { Database } from "../../db/client";
import type { User } from "../../db/schema";
import type { UserRole } from "../../db/schema/enums";
import { withTransaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import {
  countActiveAdmins,
  findUserInScope,
  insertUser,
  listUsers,
  type UserFilters,
  updateUser,
} from "./users.repo";

export function toUserJson(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    courtId: u.courtId,
    active: u.active,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

// Scoped administrators manage only scoped roles, inside their own subtree.
const COURT_ADMIN_ASSIGNABLE: UserRole[] = ["court_admin", "viewer"];

function checkAssignable(actor: AuthUser, scope: CourtIds, role: UserRole, courtId: number | null): void {
  if (actor.role === "admin") return;
  if (!COURT_ADMIN_ASSIGNABLE.includes(role)) {
    throw new AppError("FORBIDDEN", `A court administrator cannot assign the role ${role}`);
  }
  if (courtId === null || (scope !== null && !scope.includes(courtId))) {
    throw new AppError("VALIDATION_FAILED", "courtId must be a court within your scope", [
      { path: "body.courtId", message: "must be a court within your scope" },
    ]);
  }
}

export function createUsersService(db: Database, auth: AuthService) {
  async function getInScope(id: number, scope: CourtIds): Promise<User> {
    const user = await findUserInScope(db, id, scope);
    if (!user) throw AppError.notFound("User");
    return user;
  }

  return {
    list: (filters: UserFilters, scope: CourtIds) => listUsers(db, filters, scope),
    get: getInScope,

    async create(
      actor: AuthUser,
      scope: CourtIds,
      input: { email: string; name: string; password: string; role: UserRole; courtId?: number | null },
      ctx: AuditContext,
    ): Promise<User> {
      const courtId = input.courtId ?? (actor.role === "court_admin" ? actor.courtId : null);
      checkAssignable(actor, scope, input.role, courtId);
      const passwordHash = await hashPassword(input.password);
      return withTransaction(db, async (tx) => {
        const user = await insertUser(tx, {
          email: input.email.trim(),
          name: input.name,
          role: input.role,
          courtId,
          passwordHash,
        });
        await insertAudit(tx, {
          ...ctx,
          action: "user.created",
          entity: "user",
          entityId: user.id,
          changes: { email: user.email, name: user.name, role: user.role, courtId: user.courtId },
        });
        return user;
      });
    },

    async update(
      actor: AuthUser,
      scope: CourtIds,
      id: number,
      input: { name?: string; role?: UserRole; courtId?: number | null; active?: boolean; password?: string },
      ctx: AuditContext,
    ): Promise<User> {
      const before = await getInScope(id, scope);
      const role = input.role ?? before.role;
      const courtId = input.courtId === undefined ? before.courtId : input.courtId;
      if (input.role !== undefined || input.courtId !== undefined)
        checkAssignable(actor, scope, role, courtId);
      if (actor.role !== "admin" && before.role === "admin") throw AppError.notFound("User");
      if (id === actor.id && (input.active === false || (input.role && input.role !== before.role))) {
        throw new AppError("VALIDATION_FAILED", "You cannot deactivate yourself or change your own role", [
          { path: input.active === false ? "body.active" : "body.role", message: "not allowed on yourself" },
        ]);
      }
      const passwordHash = input.password ? await hashPassword(input.password) : undefined;
      const updated = await withTransaction(db, async (tx) => {
        if (
          before.role === "admin" &&
          (role !== "admin" || input.active === false) &&
          (await countActiveAdmins(tx)) <= 1
        ) {
          throw new AppError("CONFLICT", "The last active admin cannot be demoted or deactivated");
        }
        const row = await updateUser(tx, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.role !== undefined ? { role: input.role } : {}),
          ...(input.courtId !== undefined ? { courtId: input.courtId } : {}),
          ...(input.active !== undefined ? { active: input.active } : {}),
          ...(passwordHash ? { passwordHash } : {}),
        });
        const changes: Record<string, unknown> = {};
        for (const key of ["name", "role", "courtId", "active"] as const) {
          if (input[key] !== undefined && input[key] !== before[key])
            changes[key] = { from: before[key], to: input[key] };
        }
        if (passwordHash) changes.password = "reset";
        await insertAudit(tx, { ...ctx, action: "user.updated", entity: "user", entityId: id, changes });
        return row!;
      });
      auth.forgetUserState(id);
      // Sessions carry role and court: any change to them, a deactivation or a reset ends the sessions.
      if (input.role !== undefined || input.courtId !== undefined || input.active === false || passwordHash) {
        await auth.revokeUserSessions(id);
      }
      return updated;
    },

    async deactivate(actor: AuthUser, scope: CourtIds, id: number, ctx: AuditContext): Promise<User> {
      return this.update(actor, scope, id, { active: false }, ctx);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
