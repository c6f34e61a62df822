import { createRoute } from "@hono/zod-openapi";
import { authenticate, currentUser, requireRole } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { type CsvColumn, csvResponse, keysetBatches, mapBatches, wantsCsv } from "../../lib/csv";
import { encodeCursor } from "../../lib/cursor";
import { bearerSecurity, errorResponses, IdParam, json, jsonBody, jsonWithLocation } from "../../lib/openapi";
import { jsonOrCsv } from "../../lib/openapi-csv";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import { auditContext } from "../audit/audit.context";
import { requestScope } from "../courts/courts.scope";
import {
  AssignmentParams,
  AssignmentSchema,
  CreateAssignmentBody,
  CreateJudgeBody,
  JudgeDetail,
  JudgeList,
  JudgeSchema,
  ListJudgesQuery,
  UpdateAssignmentBody,
  UpdateJudgeBody,
} from "./judges.schemas";
import { toJudgeJson } from "./judges.service";

const CSV_BATCH = 500;

type JudgeJson = ReturnType<typeof toJudgeJson>;

const judgeCsvColumns: CsvColumn<JudgeJson>[] = [
  { header: "id", value: (j) => j.id },
  { header: "code", value: (j) => j.code, text: true },
  { header: "name", value: (j) => j.name, text: true },
  { header: "court_id", value: (j) => j.courtId },
  { header: "court_code", value: (j) => j.courtCode, text: true },
  { header: "active", value: (j) => j.active },
  { header: "created_at", value: (j) => j.createdAt },
  { header: "updated_at", value: (j) => j.updatedAt },
];

export function judgesRoutes(deps: AppDeps, { auth, judges }: Pick<Services, "auth" | "judges">) {
  const read = { tags: ["judges"], security: bearerSecurity, middleware: [authenticate(auth)] };
  const write = {
    ...read,
    middleware: [authenticate(auth), requireRole("admin", "court_admin")],
  };
  const audit = (c: Parameters<typeof auditContext>[0]) => auditContext(c, deps.config.TRUST_PROXY);

  return createRouter()
    .openapi(
      createRoute({
        ...read,
        method: "get",
        path: "/",
        operationId: "listJudges",
        summary: "Judges in your scope, by name",
        request: { query: ListJudgesQuery },
        responses: {
          200: jsonOrCsv(JudgeList, "A page of judges (or every matching judge as CSV)"),
          ...errorResponses(400, 401, 429, 503),
        },
      }),
      async (c) => {
        const { format, cursor, ...q } = c.req.valid("query");
        const scope = requestScope(c);
        if (wantsCsv(c, format)) {
          const batches = keysetBatches((at: { name: string; id: number } | null) =>
            judges.list({ ...q, limit: CSV_BATCH, cursor: at ?? undefined }, scope),
          );
          return csvResponse(
            "judges.csv",
            judgeCsvColumns,
            mapBatches(batches, (j) => toJudgeJson(j, scope)),
          );
        }
        const page = await judges.list({ ...q, cursor }, scope);
        return c.json(
          {
            data: page.rows.map((j) => toJudgeJson(j, scope)),
            nextCursor: page.next ? encodeCursor(page.next) : null,
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        ...read,
        method: "get",
        path: "/{id}",
        operationId: "getJudge",
        summary: "One judge with assignments and current caseload",
        request: { params: IdParam },
        responses: { 200: json(JudgeDetail, "The judge"), ...errorResponses(400, 401, 404, 429, 503) },
      }),
      async (c) => c.json(await judges.detail(c.req.valid("param").id, requestScope(c)), 200),
    )
    .openapi(
      createRoute({
        ...write,
        method: "post",
        path: "/",
        operationId: "createJudge",
        summary: "Create a judge (court_admin: home court in their subtree)",
        request: { body: jsonBody(CreateJudgeBody) },
        responses: {
          201: jsonWithLocation(JudgeSchema, "Created; Location names the judge"),
          ...errorResponses(400, 401, 403, 409, 429, 503),
        },
      }),
      async (c) => {
        const created = await judges.create(requestScope(c), c.req.valid("json"), audit(c));
        c.header("Location", `/api/judges/${created.id}`);
        return c.json(toJudgeJson(created, requestScope(c)), 201);
      },
    )
    .openapi(
      createRoute({
        ...write,
        method: "patch",
        path: "/{id}",
        operationId: "updateJudge",
        summary: "Update a judge",
        request: { params: IdParam, body: jsonBody(UpdateJudgeBody) },
        responses: {
          200: json(JudgeSchema, "Updated"),
          ...errorResponses(400, 401, 403, 404, 409, 429, 503),
        },
      }),
      async (c) => {
        const updated = await judges.update(
          currentUser(c),
          requestScope(c),
          c.req.valid("param").id,
          c.req.valid("json"),
          audit(c),
        );
        return c.json(toJudgeJson(updated, requestScope(c)), 200);
      },
    )
    .openapi(
      createRoute({
        ...write,
        method: "post",
        path: "/{id}/assignments",
        operationId: "createJudgeAssignment",
        summary: "Assign a judge to a court for a period",
        request: { params: IdParam, body: jsonBody(CreateAssignmentBody) },
        responses: {
          201: json(AssignmentSchema, "Created"),
          ...errorResponses(400, 401, 403, 404, 409, 429, 503),
        },
      }),
      async (c) => {
        const created = await judges.addAssignment(
          requestScope(c),
          c.req.valid("param").id,
          c.req.valid("json"),
          audit(c),
        );
        return c.json(created, 201);
      },
    )
    .openapi(
      createRoute({
        ...write,
        method: "patch",
        path: "/{id}/assignments/{assignmentId}",
        operationId: "updateJudgeAssignment",
        summary: "Change an assignment (e.g. end it by setting endsOn)",
        request: { params: AssignmentParams, body: jsonBody(UpdateAssignmentBody) },
        responses: {
          200: json(AssignmentSchema, "Updated"),
          ...errorResponses(400, 401, 403, 404, 409, 429, 503),
        },
      }),
      async (c) => {
        const { id, assignmentId } = c.req.valid("param");
        const updated = await judges.updateAssignment(
          requestScope(c),
          id,
          assignmentId,
          c.req.valid("json"),
          audit(c),
        );
        return c.json(updated, 200);
      },
    );
}
