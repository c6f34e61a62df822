import type { AuthUser } from "../../app-env";
import type { CourtIds } from "../../auth/scope";
import type { User } from "../../db/schema";
import type { UserRole } from "../../db/schema/enums";
import { AppError } from "../../lib/errors";

// Who may manage whom, field by field. Only admins and court administrators reach the users routes.
//
// - An admin sees and manages every user, except that nobody changes their own role, court or active
//   state (another admin must), so an admin cannot lock themselves or the system out; the last active
//   admin can never be demoted or deactivated (checked under a row lock in the service).
// - A court administrator sees and manages only users they could have created: role court_admin or
//   viewer, with a court inside their own subtree. Everyone else (admins, analysts, other districts,
//   users without a court) answers as if they did not exist. On those users they may change the name,
//   the role (court_admin ↔ viewer), the court (within their subtree) and the active state; never the
//   email, which is the login and the address an admin would reach the person at.
// - Passwords are never set through PATCH: a user changes their own (knowing the current one), and an
//   admin resets someone else's through the reset route, which ends every session of that user.

/** Roles whose scope is their court's subtree; they cannot exist without a court. */
export const SCOPED_ROLES: readonly UserRole[] = ["court_admin", "viewer"];
export const isScopedRole = (role: UserRole) => SCOPED_ROLES.includes(role);

/** The roles a court administrator may see, give and manage. */
export const COURT_ADMIN_ASSIGNABLE: readonly UserRole[] = SCOPED_ROLES;

/** Which users a caller may see: null = all (admin), else those roles within those courts. */
export type UserVisibility = { roles: readonly UserRole[]; courtIds: number[] } | null;

/** Fails closed: anyone but an admin with no resolved scope sees nobody. */
export function visibilityOf(actor: Pick<AuthUser, "role">, scope: CourtIds): UserVisibility {
  if (actor.role === "admin") return null;
  return { roles: COURT_ADMIN_ASSIGNABLE, courtIds: scope ?? [] };
}

export interface UserChange {
  name?: string;
  email?: string;
  role?: UserRole;
  courtId?: number | null;
  active?: boolean;
}

const SELF_LOCKED = ["role", "courtId", "active"] as const;

/** Refuses (403) the first change the actor may not make to a user they can see; values equal to the current ones are no change. */
export function assertMayChange(
  actor: Pick<AuthUser, "id" | "role">,
  target: User,
  change: UserChange,
): void {
  if (target.id === actor.id) {
    const field = SELF_LOCKED.find((k) => change[k] !== undefined && change[k] !== target[k]);
    if (field) {
      throw new AppError(
        "SELF_CHANGE_NOT_ALLOWED",
        "You cannot change your own role, court or active state; another administrator must",
        [{ path: `body.${field}`, message: "cannot be changed on your own account" }],
      );
    }
  }
  if (actor.role === "admin") return;
  if (change.email !== undefined && change.email.toLowerCase() !== target.email.toLowerCase()) {
    throw new AppError("FIELD_NOT_ALLOWED", "Only an admin can change a user's email", [
      { path: "body.email", message: "only an admin can change it" },
    ]);
  }
  if (change.role !== undefined && change.role !== target.role) assertAssignable(actor, change.role);
}

/** A court administrator gives only the roles court_admin and viewer. */
export function assertAssignable(actor: Pick<AuthUser, "role">, role: UserRole): void {
  if (actor.role !== "admin" && !COURT_ADMIN_ASSIGNABLE.includes(role)) {
    throw new AppError("ROLE_NOT_ASSIGNABLE", `A court administrator cannot give the role ${role}`, [
      { path: "body.role", message: `must be one of ${COURT_ADMIN_ASSIGNABLE.join(", ")}` },
    ]);
  }
}

/** The reset route: an admin, on someone else. */
export function assertMayResetPassword(actor: Pick<AuthUser, "id">, target: Pick<User, "id">): void {
  if (target.id === actor.id) {
    throw new AppError(
      "SELF_CHANGE_NOT_ALLOWED",
      "Change your own password with POST /api/auth/password (it asks for the current one)",
    );
  }
}
