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
    courtId: z.number().int().positive().nullable().optional(),
  })
  .openapi("CreateUser");

export const UpdateUserBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    role: z.enum(USER_ROLES).optional(),
    courtId: z.number().int().positive().nullable().optional(),
    active: z.boolean().optional(),
    password: password.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "at least one field is required" })
  .openapi("UpdateUser");

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
