import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { authenticate, currentUser } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { clientIp } from "../../lib/client-ip";
import { bearerSecurity, errorResponses, json, jsonBody, noSecurity } from "../../lib/openapi";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import {
  LoginBody,
  LoginResponse,
  MeResponse,
  PasswordChangeBody,
  RefreshBody,
  SessionInfo,
  SessionParam,
  TokenPair,
} from "./auth.schemas";
import type { RequestMeta } from "./auth.service";

const Ok = z.object({ ok: z.literal(true) });

export function authRoutes(deps: AppDeps, { auth }: Pick<Services, "auth">) {
  const router = createRouter();
  const requireAuth = authenticate(auth);
  const meta = (c: Context<AppEnv>): RequestMeta => ({
    ip: clientIp(c, deps.config.TRUST_PROXY),
    userAgent: c.req.header("user-agent")?.slice(0, 256) ?? null,
    requestId: c.get("requestId") ?? null,
  });

  router.openapi(
    createRoute({
      method: "post",
      path: "/login",
      operationId: "login",
      tags: ["auth"],
      security: noSecurity,
      summary: "Log in with email and password",
      request: { body: jsonBody(LoginBody) },
      responses: { 200: json(LoginResponse, "Tokens and the user"), ...errorResponses(400, 401, 429, 503) },
    }),
    async (c) => {
      const { email, password } = c.req.valid("json");
      return c.json(await auth.login(email, password, meta(c)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      operationId: "refreshTokens",
      tags: ["auth"],
      security: noSecurity,
      summary: "Rotate the token pair (each refresh token works once)",
      request: { body: jsonBody(RefreshBody) },
      responses: { 200: json(TokenPair, "A new token pair"), ...errorResponses(400, 401, 503) },
    }),
    async (c) => c.json(await auth.refresh(c.req.valid("json").refreshToken, meta(c)), 200),
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/logout",
      operationId: "logout",
      tags: ["auth"],
      summary: "End this session",
      security: bearerSecurity,
      middleware: [requireAuth] as const,
      responses: { 200: json(Ok, "Logged out"), ...errorResponses(401, 503) },
    }),
    async (c) => {
      await auth.logout(currentUser(c), meta(c));
      return c.json({ ok: true as const }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/logout-all",
      operationId: "logoutAll",
      tags: ["auth"],
      summary: "End every session of this user",
      security: bearerSecurity,
      middleware: [requireAuth] as const,
      responses: {
        200: json(z.object({ revoked: z.number().int() }), "Sessions revoked"),
        ...errorResponses(401, 503),
      },
    }),
    async (c) => c.json({ revoked: await auth.logoutAll(currentUser(c), meta(c)) }, 200),
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/me",
      operationId: "getMe",
      tags: ["auth"],
      summary: "The logged-in user",
      security: bearerSecurity,
      middleware: [requireAuth] as const,
      responses: { 200: json(MeResponse, "The user"), ...errorResponses(401, 503) },
    }),
    async (c) => c.json(await auth.me(currentUser(c)), 200),
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/sessions",
      operationId: "listSessions",
      tags: ["auth"],
      summary: "This user's sessions",
      security: bearerSecurity,
      middleware: [requireAuth] as const,
      responses: {
        200: json(z.object({ data: z.array(SessionInfo) }), "Sessions"),
        ...errorResponses(401, 503),
      },
    }),
    async (c) => c.json({ data: await auth.listSessions(currentUser(c)) }, 200),
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/sessions/{id}",
      operationId: "revokeSession",
      tags: ["auth"],
      summary: "Revoke one of this user's sessions",
      security: bearerSecurity,
      middleware: [requireAuth] as const,
      request: { params: SessionParam },
      responses: { 200: json(Ok, "Revoked"), ...errorResponses(400, 401, 404, 503) },
    }),
    async (c) => {
      await auth.revokeSession(currentUser(c), c.req.valid("param").id, meta(c));
      return c.json({ ok: true as const }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/password",
      operationId: "changePassword",
      tags: ["auth"],
      summary:
        "Change your own password; every other session is revoked. Guesses of the current one count on the login rate limits",
      security: bearerSecurity,
      middleware: [requireAuth] as const,
      request: { body: jsonBody(PasswordChangeBody) },
      responses: {
        200: json(z.object({ revokedSessions: z.number().int() }), "Changed"),
        ...errorResponses(400, 401, 429, 503),
      },
    }),
    async (c) => c.json(await auth.changePassword(currentUser(c), c.req.valid("json"), meta(c)), 200),
  );

  return router;
}
