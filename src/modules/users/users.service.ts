import type { AuthUser } from "../../app-env";
import { hashPassword } from "../../auth/passwords";
import type { CourtIds } from "../../auth/scope";
import type { Database } from "../../db/client";
import type { User } from "../../db/schema";
import type { UserRole } from "../../db/schema/enums";
import { withTransaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import type { AuthService } from "../auth/auth.service";
import {
  assertAssignable,
  assertMayChange,
  assertMayResetPassword,
  isScopedRole,
  type UserChange,
  visibilityOf,
} from "./users.policy";
import {
  courtExists,
  findVisibleUser,
  insertUser,
  listUsers,
  lockActiveAdmins,
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

const courtProblem = (message: string) => AppError.validation([{ path: "body.courtId", message }]);

export function createUsersService({ db, auth }: { db: Database; auth: AuthService }) {
  /** The user if the actor may see them; otherwise 404, as if they did not exist. */
  async function getVisible(actor: AuthUser, scope: CourtIds, id: number): Promise<User> {
    const user = await findVisibleUser(db, id, visibilityOf(actor, scope));
    if (!user) throw AppError.notFound("User");
    return user;
  }

  /**
   * The court a user of `role` ends up with: scoped roles need one (400 naming body.courtId), and a
   * court named in the body must exist and, for a court administrator, lie in their subtree.
   */
  async function checkCourt(
    actor: AuthUser,
    scope: CourtIds,
    role: UserRole,
    courtId: number | null,
    named: boolean,
  ): Promise<void> {
    if (courtId === null) {
      if (isScopedRole(role)) throw courtProblem(`is required for the role ${role}`);
      return;
    }
    if (!named) return;
    const known = actor.role === "admin" ? await courtExists(db, courtId) : (scope ?? []).includes(courtId);
    if (!known) throw courtProblem("no such court within your scope");
  }

  return {
    list: (actor: AuthUser, filters: UserFilters, scope: CourtIds) =>
      listUsers(db, filters, visibilityOf(actor, scope)),
    get: getVisible,

    async create(
      actor: AuthUser,
      scope: CourtIds,
      input: { email: string; name: string; password: string; role: UserRole; courtId?: number | null },
      ctx: AuditContext,
    ): Promise<User> {
      assertAssignable(actor, input.role);
      // A court administrator who names no court creates the user in their own.
      const courtId = input.courtId ?? (actor.role === "court_admin" ? actor.courtId : null);
      await checkCourt(actor, scope, input.role, courtId, true);
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
      input: UserChange,
      ctx: AuditContext,
    ): Promise<User> {
      const before = await getVisible(actor, scope, id);
      assertMayChange(actor, before, input);
      const role = input.role ?? before.role;
      const courtId = input.courtId === undefined ? before.courtId : input.courtId;
      await checkCourt(actor, scope, role, courtId, input.courtId !== undefined);
      const values: Partial<User> = {};
      for (const key of ["name", "email", "role", "courtId", "active"] as const) {
        if (input[key] !== undefined && input[key] !== before[key])
          Object.assign(values, { [key]: input[key] });
      }
      const updated = await withTransaction(db, async (tx) => {
        const admins = await lockActiveAdmins(tx);
        const losesAdmin = values.role !== undefined || values.active === false;
        if (losesAdmin && admins.includes(id) && admins.length <= 1) {
          throw new AppError("CONFLICT", "The last active admin cannot be demoted or deactivated");
        }
        const row = Object.keys(values).length > 0 ? await updateUser(tx, id, values) : before;
        const changes: Record<string, unknown> = {};
        for (const [key, to] of Object.entries(values)) {
          changes[key] = { from: before[key as keyof typeof values], to };
        }
        await insertAudit(tx, { ...ctx, action: "user.updated", entity: "user", entityId: id, changes });
        return row!;
      });
      auth.forgetUserState(id);
      // Sessions carry role and court: a change to either, or a deactivation, ends them at once.
      if (values.role !== undefined || values.courtId !== undefined || values.active === false) {
        await auth.revokeUserSessions(id);
      }
      return updated;
    },

    async deactivate(actor: AuthUser, scope: CourtIds, id: number, ctx: AuditContext): Promise<User> {
      return this.update(actor, scope, id, { active: false }, ctx);
    },

    /**
     * An admin sets a new password for someone else (who then changes it themselves): every session
     * of that user ends, after the new hash is stored, so no login with the old password survives it.
     */
    async resetPassword(
      actor: AuthUser,
      id: number,
      newPassword: string,
      ctx: AuditContext,
    ): Promise<{ revokedSessions: number }> {
      const target = await getVisible(actor, null, id);
      assertMayResetPassword(actor, target);
      const passwordHash = await hashPassword(newPassword);
      await withTransaction(db, async (tx) => {
        await updateUser(tx, id, { passwordHash });
        await insertAudit(tx, {
          ...ctx,
          action: "user.password_reset",
          entity: "user",
          entityId: id,
          changes: { email: target.email },
        });
      });
      return { revokedSessions: await auth.revokeUserSessions(id) };
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
