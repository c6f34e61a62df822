import { z } from "@hono/zod-openapi";
import { MIN_PASSWORD_LENGTH } from "../../auth/passwords";
import { USER_ROLES } from "../../db/schema/enums";

export const LoginBody = z
  .object({
    email: z.email().max(320),
    password: z.string().min(1).max(1024),
  })
  .openapi("LoginRequest");

export const RefreshBody = z.object({ refreshToken: z.string().min(10).max(4096) }).openapi("RefreshRequest");

export const PasswordChangeBody = z
  .object({
    currentPassword: z.string().min(1).max(1024),
    newPassword: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
      .max(1024),
  })
  .openapi("PasswordChangeRequest");

export const PublicUser = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string(),
    role: z.enum(USER_ROLES),
    courtId: z.number().int().nullable(),
  })
  .openapi("PublicUser");

export const TokenPair = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Access token lifetime in seconds" }),
  })
  .openapi("TokenPair");

export const LoginResponse = TokenPair.extend({ user: PublicUser }).openapi("LoginResponse");

export const MeResponse = PublicUser.extend({
  active: z.boolean(),
  lastLoginAt: z.date().nullable().or(z.string().nullable()),
}).openapi("Me");

export const SessionInfo = z
  .object({
    id: z.string().openapi({ description: "Public handle of the session (not the session id)" }),
    createdAt: z.string(),
    lastAccessedAt: z.string(),
    expiresAt: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    current: z.boolean(),
  })
  .openapi("Session");

export const SessionParam = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{24}$/, "must be a session handle")
    .openapi({ param: { name: "id", in: "path" } }),
});
