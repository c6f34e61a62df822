import { createRoute, z } from "@hono/zod-openapi";
import type { AuthService } from "../../auth/auth.service";
import { authenticate, requireRole } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { bearerSecurity, errorResponses, isoDate, json, limitParam } from "../../lib/openapi";
import { createRouter } from "../../lib/validation";
import { listAudit } from "./audit.repo";

const AuditQuery = z.object({
  userId: z.coerce.number().int().positive().optional(),
  action: z.string().max(100).optional(),
  entity: z.string().max(100).optional(),
  entityId: z.string().max(100).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  cursor: z.coerce.number().int().positive().optional(),
  limit: limitParam,
});

const AuditRow = z
  .object({
    id: z.number().int(),
    userId: z.number().int().nullable(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string().nullable(),
    changes: z.record(z.string(), z.unknown()).nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    at: z.string(),
  })
  .openapi("AuditEntry");

export function auditRoutes(deps: AppDeps, auth: AuthService) {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["audit"],
      summary: "Audit log, newest first (admin)",
      security: bearerSecurity,
      middleware: [authenticate(auth), requireRole("admin")] as const,
      request: { query: AuditQuery },
      responses: {
        200: json(
          z.object({ data: z.array(AuditRow), nextCursor: z.string().nullable() }),
          "A page of entries",
        ),
        ...errorResponses(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const page = await listAudit(deps.db.db, c.req.valid("query"));
      return c.json(
        { data: page.data.map((r) => ({ ...r, at: r.at.toISOString() })), nextCursor: page.nextCursor },
        200,
      );
    },
  );
  return router;
}
