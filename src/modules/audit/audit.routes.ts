import { createRoute, z } from "@hono/zod-openapi";
import { authenticate, requireRole } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { type CsvColumn, csvResponse, keysetBatches, mapBatches, wantsCsv } from "../../lib/csv";
import { cursorParam, encodeCursor } from "../../lib/cursor";
import { bearerSecurity, errorResponses, isoDate, limitParam } from "../../lib/openapi";
import { formatParam, jsonOrCsv } from "../../lib/openapi-csv";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import { listAudit } from "./audit.repo";
import { AUDIT_ACTION_NAMES, AUDIT_ENTITY_NAMES } from "./audit.vocabulary";

const CSV_BATCH = 1000;

const AuditQuery = z.object({
  userId: z.coerce.number().int().positive().optional(),
  action: z.enum(AUDIT_ACTION_NAMES).optional().openapi({ description: "One action (see docs/api.md)" }),
  entity: z
    .enum(AUDIT_ENTITY_NAMES)
    .optional()
    .openapi({ description: "What entityId names (see docs/api.md)" }),
  entityId: z.string().max(100).optional(),
  from: isoDate.optional().openapi({ description: "On or after this day (UTC)" }),
  to: isoDate.optional().openapi({ description: "On or before this day (UTC)" }),
  cursor: cursorParam(z.object({ id: z.number().int().positive() })).optional(),
  limit: limitParam,
  format: formatParam,
});

const AuditRow = z
  .object({
    id: z.number().int(),
    userId: z.number().int().nullable(),
    action: z.enum(AUDIT_ACTION_NAMES),
    entity: z.enum(AUDIT_ENTITY_NAMES),
    entityId: z.string().nullable(),
    changes: z.record(z.string(), z.unknown()).nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    at: z.string(),
  })
  .openapi("AuditEntry");

type AuditJson = z.infer<typeof AuditRow>;

const AuditList = z
  .object({ data: z.array(AuditRow), nextCursor: z.string().nullable() })
  .openapi("AuditEntryList");

const auditCsvColumns: CsvColumn<AuditJson>[] = [
  { header: "id", value: (r) => r.id },
  { header: "at", value: (r) => r.at },
  { header: "user_id", value: (r) => r.userId },
  { header: "action", value: (r) => r.action },
  { header: "entity", value: (r) => r.entity },
  { header: "entity_id", value: (r) => r.entityId, text: true },
  { header: "changes", value: (r) => (r.changes === null ? null : JSON.stringify(r.changes)), text: true },
  { header: "request_id", value: (r) => r.requestId, text: true },
  { header: "ip", value: (r) => r.ip, text: true },
];

export function auditRoutes(deps: AppDeps, { auth }: Pick<Services, "auth">) {
  const router = createRouter();
  // Rows are written only through insertAudit, whose types hold them to the vocabulary.
  const toJson = (r: Awaited<ReturnType<typeof listAudit>>["rows"][number]): AuditJson =>
    ({ ...r, at: r.at.toISOString() }) as AuditJson;

  router.openapi(
    createRoute({
      method: "get",
      path: "/",
      operationId: "listAuditEntries",
      tags: ["audit"],
      summary: "Audit log, newest first (admin); CSV streams every matching entry",
      security: bearerSecurity,
      middleware: [authenticate(auth), requireRole("admin")] as const,
      request: { query: AuditQuery },
      responses: {
        200: jsonOrCsv(AuditList, "A page of entries (or every matching entry as CSV)"),
        ...errorResponses(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const { format, cursor, ...filters } = c.req.valid("query");
      if (wantsCsv(c, format)) {
        const batches = keysetBatches((at: { id: number } | null) =>
          listAudit(deps.db.db, { ...filters, limit: CSV_BATCH, cursor: at ?? undefined }),
        );
        return csvResponse("audit.csv", auditCsvColumns, mapBatches(batches, toJson));
      }
      const page = await listAudit(deps.db.db, { ...filters, cursor });
      return c.json(
        { data: page.rows.map(toJson), nextCursor: page.next ? encodeCursor(page.next) : null },
        200,
      );
    },
  );
  return router;
}
