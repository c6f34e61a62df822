import { z } from "@hono/zod-openapi";
import { MIN_PASSWORD_LENGTH } from "../../auth/passwords";
import { USER_ROLES } from "../../db/schema/enums";
import { cursorParam } from "../../lib/cursor";
import { limitParam, queryBool } from "../../lib/openapi";

const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024);

export const UserSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string(),
    role: z.enum(USER_ROLES),
    courtId: z.number().int().nullable(),
    active: z.boolean(),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("User");

export const CreateUserBody = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    password,
    role: z.enum(USER_ROLES),
    courtId: z.number().int().positive().nullable().optional().openapi({
      description:
        "Required for court_admin and viewer (their scope is this court's subtree); a court administrator who leaves it out creates the user in their own court",
    }),
  })
  .openapi("CreateUser");

const NO_PASSWORD_HERE =
  "not accepted here: users change their own password with POST /api/auth/password, and an admin resets someone else's with POST /api/users/{id}/password-reset";

export const UpdateUserBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(320).optional().openapi({ description: "Admins only (it is the user's login)" }),
    role: z.enum(USER_ROLES).optional(),
    courtId: z.number().int().positive().nullable().optional(),
    active: z.boolean().optional(),
    // Named so that a client sending it is told why, rather than having it silently dropped.
    password: z.unknown().optional().openapi({ description: NO_PASSWORD_HERE, deprecated: true }),
  })
  .superRefine((b, ctx) => {
    if (b.password !== undefined)
      ctx.addIssue({ code: "custom", path: ["password"], message: NO_PASSWORD_HERE });
    else if (Object.values(b).every((v) => v === undefined))
      ctx.addIssue({ code: "custom", path: [], message: "at least one field is required" });
  })
  .openapi("UpdateUser");

export const ResetPasswordBody = z.object({ newPassword: password }).openapi("ResetPassword");

export const ResetPasswordResult = z
  .object({
    revokedSessions: z.number().int().openapi({ description: "Sessions of the user that were ended" }),
  })
  .openapi("ResetPasswordResult");

export const ListUsersQuery = z.object({
  role: z.enum(USER_ROLES).optional(),
  active: queryBool.optional(),
  courtId: z.coerce.number().int().positive().optional(),
  search: z.string().trim().min(1).max(100).optional(),
  cursor: cursorParam(z.object({ id: z.number().int().nonnegative() })).optional(),
  limit: limitParam,
});

export const UserList = z
  .object({ data: z.array(UserSchema), nextCursor: z.string().nullable() })
  .openapi("UserList");
