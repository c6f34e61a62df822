import { createRoute } from "@hono/zod-openapi";
import { authenticate } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { csvResponse, keysetBatches, wantsCsv } from "../../lib/csv";
import { encodeCursor } from "../../lib/cursor";
import { bearerSecurity, errorResponses, IdParam, json } from "../../lib/openapi";
import { jsonOrCsv } from "../../lib/openapi-csv";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import { requestScope } from "../courts/courts.scope";
import { activityCsvColumns, caseCsvColumns } from "./cases.csv";
import { ActivitiesQuery, ActivityList, CaseDetail, CaseList, ListCasesQuery } from "./cases.schemas";

/** Rows per database read while streaming a CSV export. */
const CSV_BATCH = 1000;

export function casesRoutes(_deps: AppDeps, { auth, cases }: Pick<Services, "auth" | "cases">) {
  const read = { tags: ["cases"], security: bearerSecurity, middleware: [authenticate(auth)] };

  return createRouter()
    .openapi(
      createRoute({
        ...read,
        method: "get",
        path: "/",
        operationId: "listCases",
        summary: "Cases in your scope: filters, sort and keyset pagination (CSV streams every match)",
        request: { query: ListCasesQuery },
        responses: {
          200: jsonOrCsv(CaseList, "A page of cases; nextCursor is null on the last page"),
          ...errorResponses(400, 401, 429, 503),
        },
      }),
      async (c) => {
        const { format, cursor, includeTotal, ...q } = c.req.valid("query");
        const scope = requestScope(c);
        if (wantsCsv(c, format)) {
          return csvResponse("cases.csv", caseCsvColumns, cases.batches(q, scope, CSV_BATCH));
        }
        return c.json(await cases.list(q, scope, { cursor, includeTotal }), 200);
      },
    )
    .openapi(
      createRoute({
        ...read,
        method: "get",
        path: "/{id}",
        operationId: "getCase",
        summary: "One case with its age, inactive days and time-standard status today",
        request: { params: IdParam },
        responses: { 200: json(CaseDetail, "The case"), ...errorResponses(400, 401, 404, 429, 503) },
      }),
      async (c) => c.json(await cases.detail(c.req.valid("param").id, requestScope(c)), 200),
    )
    .openapi(
      createRoute({
        ...read,
        method: "get",
        path: "/{id}/activities",
        operationId: "listCaseActivities",
        summary: "The case's timeline in date order",
        request: { params: IdParam, query: ActivitiesQuery },
        responses: {
          200: jsonOrCsv(ActivityList, "A page of the timeline"),
          ...errorResponses(400, 401, 404, 429, 503),
        },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const { format, cursor, limit } = c.req.valid("query");
        const scope = requestScope(c);
        if (wantsCsv(c, format)) {
          // Checks existence and scope before the response starts, so a 404 is still a 404.
          const first = await cases.activities(id, scope, null, CSV_BATCH);
          const batches = keysetBatches(async (at: { d: string; i: number } | null) =>
            at === null ? first : cases.activities(id, scope, at, CSV_BATCH),
          );
          return csvResponse(`case-${id}-activities.csv`, activityCsvColumns, batches);
        }
        const page = await cases.activities(id, scope, cursor ?? null, limit);
        return c.json({ data: page.rows, nextCursor: page.next ? encodeCursor(page.next) : null }, 200);
      },
    );
}
