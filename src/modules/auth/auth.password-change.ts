import type { AuthUser } from "../../app-env";
import { hashPassword, verifyPassword } from "../../auth/passwords";
import type { Database } from "../../db/client";
import { withTransaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { insertAudit } from "../audit/audit.repo";
import { findUserById, updateUser } from "../users/users.repo";

export interface PasswordChangeDeps {
  db: Database;
  /** One attempt on the login counters (per IP, per account); throws 429 past either. */
  limitLogin(ip: string, email: string): Promise<void>;
  revokeUserSessions(userId: number, keep?: string): Promise<number>;
}

/**
 * A user changes their own password, proving the current one. Guesses of the current password count
 * on the login limits, the same counters as POST /api/auth/login (so a stolen access token gives no
 * extra guesses), before the argon2 check; a wrong one is audited like a failed login. Every other
 * session of the user ends.
 */
export async function changeOwnPassword(
  deps: PasswordChangeDeps,
  user: AuthUser,
  input: { currentPassword: string; newPassword: string },
  meta: { ip: string; requestId: string | null },
): Promise<{ revokedSessions: number }> {
  const { db } = deps;
  const row = await findUserById(db, user.id);
  if (!row) throw new AppError("UNAUTHENTICATED", "Invalid or expired token");
  await deps.limitLogin(meta.ip, row.email.trim().toLowerCase());
  if (!(await verifyPassword(input.currentPassword, row.passwordHash))) {
    await insertAudit(db, {
      userId: user.id,
      action: "auth.password_change_failed",
      entity: "user",
      entityId: user.id,
      changes: { reason: "wrong_password" },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    throw new AppError("VALIDATION_FAILED", "The current password is wrong", [
      { path: "body.currentPassword", message: "does not match" },
    ]);
  }
  if (input.currentPassword === input.newPassword) {
    throw new AppError("VALIDATION_FAILED", "The new password must differ from the current one", [
      { path: "body.newPassword", message: "must differ from the current password" },
    ]);
  }
  const passwordHash = await hashPassword(input.newPassword);
  await withTransaction(db, async (tx) => {
    await updateUser(tx, user.id, { passwordHash });
    await insertAudit(tx, {
      userId: user.id,
      action: "auth.password_changed",
      entity: "user",
      entityId: user.id,
      requestId: meta.requestId,
      ip: meta.ip,
    });
  });
  return { revokedSessions: await deps.revokeUserSessions(user.id, user.sessionId) };
}
