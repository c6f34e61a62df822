import { createRoute } from "@hono/zod-openapi";
import { authenticate, currentUser, requireRole } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { encodeCursor } from "../../lib/cursor";
import { bearerSecurity, errorResponses, IdParam, json, jsonBody, jsonWithLocation } from "../../lib/openapi";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import { auditContext } from "../audit/audit.context";
import {
  CreateUserBody,
  ListUsersQuery,
  ResetPasswordBody,
  ResetPasswordResult,
  UpdateUserBody,
  UserList,
  UserSchema,
} from "./users.schemas";
import { toUserJson } from "./users.service";

export function usersRoutes(deps: AppDeps, { auth, users }: Pick<Services, "auth" | "users">) {
  const router = createRouter();
  const guard = [authenticate(auth), requireRole("admin", "court_admin")];
  const common = { tags: ["users"], security: bearerSecurity, middleware: guard };
  const scopeOf = (c: { get(k: "scope"): number[] | null | undefined }) => c.get("scope") ?? null;

  router.openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/",
      operationId: "listUsers",
      summary: "Users (a court administrator sees the court_admin and viewer users of their subtree only)",
      request: { query: ListUsersQuery },
      responses: { 200: json(UserList, "A page of users"), ...errorResponses(400, 401, 403, 503) },
    }),
    async (c) => {
      const { cursor, ...q } = c.req.valid("query");
      const page = await users.list(currentUser(c), { ...q, cursor: cursor?.id }, scopeOf(c));
      return c.json(
        {
          data: page.rows.map(toUserJson),
          // Opaque like every list's cursor: the last id of this page, encoded.
          nextCursor: page.nextCursor === null ? null : encodeCursor({ id: page.nextCursor }),
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/{id}",
      operationId: "getUser",
      summary: "One user",
      request: { params: IdParam },
      responses: { 200: json(UserSchema, "The user"), ...errorResponses(400, 401, 403, 404, 503) },
    }),
    async (c) =>
      c.json(toUserJson(await users.get(currentUser(c), scopeOf(c), c.req.valid("param").id)), 200),
  );

  router.openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/",
      operationId: "createUser",
      summary: "Create a user",
      request: { body: jsonBody(CreateUserBody) },
      responses: {
        201: jsonWithLocation(UserSchema, "Created; Location names the user"),
        ...errorResponses(400, 401, 403, 409, 503),
      },
    }),
    async (c) => {
      const created = await users.create(
        currentUser(c),
        scopeOf(c),
        c.req.valid("json"),
        auditContext(c, deps.config.TRUST_PROXY),
      );
      c.header("Location", `/api/users/${created.id}`);
      return c.json(toUserJson(created), 201);
    },
  );

  router.openapi(
    createRoute({
      ...common,
      method: "patch",
      path: "/{id}",
      operationId: "updateUser",
      summary: "Update a user (a change of role or court, or a deactivation, ends the user's sessions)",
      request: { params: IdParam, body: jsonBody(UpdateUserBody) },
      responses: { 200: json(UserSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409, 503) },
    }),
    async (c) => {
      const updated = await users.update(
        currentUser(c),
        scopeOf(c),
        c.req.valid("param").id,
        c.req.valid("json"),
        auditContext(c, deps.config.TRUST_PROXY),
      );
      return c.json(toUserJson(updated), 200);
    },
  );

  router.openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/{id}",
      operationId: "deactivateUser",
      summary: "Deactivate a user and revoke their sessions",
      request: { params: IdParam },
      responses: { 200: json(UserSchema, "Deactivated"), ...errorResponses(400, 401, 403, 404, 409, 503) },
    }),
    async (c) => {
      const user = await users.deactivate(
        currentUser(c),
        scopeOf(c),
        c.req.valid("param").id,
        auditContext(c, deps.config.TRUST_PROXY),
      );
      return c.json(toUserJson(user), 200);
    },
  );

  router.openapi(
    createRoute({
      ...common,
      middleware: [authenticate(auth), requireRole("admin")],
      method: "post",
      path: "/{id}/password-reset",
      operationId: "resetUserPassword",
      summary: "Reset someone else's password (admins); every session of that user ends",
      request: { params: IdParam, body: jsonBody(ResetPasswordBody) },
      responses: {
        200: json(ResetPasswordResult, "Reset"),
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const result = await users.resetPassword(
        currentUser(c),
        c.req.valid("param").id,
        c.req.valid("json").newPassword,
        auditContext(c, deps.config.TRUST_PROXY),
      );
      return c.json(result, 200);
    },
  );

  return router;
}
