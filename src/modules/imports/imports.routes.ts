import { createRoute } from "@hono/zod-openapi";
import { authenticate, currentUser, requireRole } from "../../auth/middleware";
import { IMPORT_FILE_CODES } from "../../db/schema/import-staged-rows";
import type { AppDeps } from "../../deps";
import { csvResponse, wantsCsv } from "../../lib/csv";
import { encodeCursor } from "../../lib/cursor";
import { bearerSecurity, errorResponses, IdParam, json, jsonWithLocation } from "../../lib/openapi";
import { jsonOrCsv } from "../../lib/openapi-csv";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import { auditContext } from "../audit/audit.context";
import { requestScope } from "../courts/courts.scope";
import {
  ErrorsQuery,
  ImportBatchDetail,
  ImportBatchList,
  ImportBatchSchema,
  ImportQueued,
  ListImportsQuery,
  RowErrorList,
  UploadForm,
} from "./imports.schemas";
import { toBatchJson } from "./imports.service";

const ERRORS_CSV_BATCH = 1000;

const errorCsvColumns = [
  { header: "file", value: (e: { file: string }) => e.file },
  { header: "line", value: (e: { line: number }) => e.line },
  { header: "field", value: (e: { field: string | null }) => e.field, text: true },
  { header: "message", value: (e: { message: string }) => e.message, text: true },
];

export function importsRoutes(deps: AppDeps, { auth, imports }: Pick<Services, "auth" | "imports">) {
  const authenticated = authenticate(auth);
  const uploaders = requireRole("admin", "analyst", "court_admin");
  const guard = [authenticated, uploaders];
  const common = { tags: ["imports"], security: bearerSecurity, middleware: guard };
  const router = createRouter();

  // The upload is read as a stream (a validator would buffer 100 MB), so it is a plain route whose
  // OpenAPI description is registered by hand.
  router.openAPIRegistry.registerPath({
    method: "post",
    path: "/",
    operationId: "uploadImport",
    tags: ["imports"],
    security: bearerSecurity,
    summary: "Upload a daily extract (cases.csv and/or activities.csv); processed in the background",
    description:
      "Reads the files to local disk (within IMPORT_UPLOAD_TIMEOUT_S and at IMPORT_UPLOAD_MIN_BYTES_PER_S, " +
      "else 408), checks their headers, stages them in PostgreSQL and queues the batch. Within a file, a " +
      "later line with the same key (court and case number, court and source id) replaces an earlier one. " +
      "The same files again answer 200 with the earlier batch unless force=true. Per-user limits on " +
      "uploads in progress, batches queued or processing and bytes in staging answer 429. Rows outside " +
      "the uploader's court scope become row errors (as unknown codes).",
    request: { body: { required: true, content: { "multipart/form-data": { schema: UploadForm } } } },
    responses: {
      202: jsonWithLocation(ImportQueued, "Queued; Location names the batch"),
      200: jsonWithLocation(
        ImportBatchSchema,
        "The same files were imported before: that batch (Location names it)",
      ),
      ...errorResponses(400, 401, 403, 408, 413, 429, 503),
    },
  });
  router.post("/", authenticated, uploaders, async (c) => {
    const { created, batch } = await imports.upload(
      {
        body: c.req.raw.body,
        contentType: c.req.header("content-type"),
        contentLength: c.req.header("content-length"),
        forceQuery: c.req.query("force"),
        signal: c.req.raw.signal,
      },
      currentUser(c),
      requestScope(c),
      auditContext(c, deps.config.TRUST_PROXY),
    );
    c.header("Location", `/api/imports/${batch.id}`);
    if (!created) return c.json(toBatchJson(batch), 200);
    return c.json({ id: batch.id, status: "queued" as const }, 202);
  });

  return router
    .openapi(
      createRoute({
        ...common,
        method: "get",
        path: "/",
        operationId: "listImports",
        summary: "Import batches, newest first (court administrators: their own uploads)",
        request: { query: ListImportsQuery },
        responses: {
          200: json(ImportBatchList, "A page of batches"),
          ...errorResponses(400, 401, 403, 429, 503),
        },
      }),
      async (c) => {
        const page = await imports.list(c.req.valid("query"), currentUser(c));
        return c.json(
          {
            data: page.rows.map(toBatchJson),
            nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        ...common,
        method: "get",
        path: "/{id}",
        operationId: "getImport",
        summary: "One batch: status, counts per file, progress, the first row errors",
        request: { params: IdParam },
        responses: {
          200: json(ImportBatchDetail, "The batch"),
          ...errorResponses(400, 401, 403, 404, 429, 503),
        },
      }),
      async (c) => {
        const { batch, rollupCasesPending } = await imports.detail(c.req.valid("param").id, currentUser(c));
        return c.json({ ...toBatchJson(batch), errors: batch.errors, rollupCasesPending }, 200);
      },
    )
    .openapi(
      createRoute({
        ...common,
        method: "get",
        path: "/{id}/errors",
        operationId: "listImportErrors",
        summary: "Every row error of a batch (file, line, field, message); CSV streams them all",
        request: { params: IdParam, query: ErrorsQuery },
        responses: {
          200: jsonOrCsv(RowErrorList, "A page of row errors in file and line order"),
          ...errorResponses(400, 401, 403, 404, 429, 503),
        },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const { format, cursor, limit } = c.req.valid("query");
        const user = currentUser(c);
        if (wantsCsv(c, format)) {
          await imports.errors(id, user, null, 1); // visibility: a 404 before the download starts
          return csvResponse(
            `import-${id}-errors.csv`,
            errorCsvColumns,
            imports.errorBatches(id, ERRORS_CSV_BATCH),
          );
        }
        const rows = await imports.errors(id, user, cursor ?? null, limit + 1);
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return c.json(
          {
            data: page.map(({ seq: _seq, ...e }) => e),
            nextCursor:
              rows.length > limit && last
                ? encodeCursor({ file: IMPORT_FILE_CODES[last.file], line: last.line, seq: last.seq })
                : null,
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        ...common,
        method: "post",
        path: "/{id}/retry",
        operationId: "retryImport",
        summary: "Process a failed or partly failed batch again (a failed one resumes from its checkpoint)",
        request: { params: IdParam },
        responses: {
          202: jsonWithLocation(ImportQueued, "Queued again"),
          ...errorResponses(400, 401, 403, 404, 409, 429, 503),
        },
      }),
      async (c) => {
        const batch = await imports.retry(
          c.req.valid("param").id,
          currentUser(c),
          requestScope(c),
          auditContext(c, deps.config.TRUST_PROXY),
        );
        c.header("Location", `/api/imports/${batch.id}`);
        return c.json({ id: batch.id, status: "queued" as const }, 202);
      },
    );
}
