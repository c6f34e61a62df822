import { createRoute } from "@hono/zod-openapi";
import type { AuthService } from "../../auth/auth.service";
import { authenticate, requireRole } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { type CsvColumn, csvResponse, oneBatch, wantsCsv } from "../../lib/csv";
import { bearerSecurity, errorResponses, json, jsonBody } from "../../lib/openapi";
import { jsonOrCsv } from "../../lib/openapi-csv";
import { createRouter } from "../../lib/validation";
import { auditContext } from "../audit/audit.context";
import {
  CaseTypeParam,
  PutTimeStandardBody,
  type TimeStandardJson,
  TimeStandardList,
  TimeStandardSchema,
  TimeStandardsQuery,
} from "./time-standards.schemas";
import { createTimeStandardsService } from "./time-standards.service";

interface TierRow {
  standard: TimeStandardJson;
  percent: number;
  days: number;
}

/** One CSV row per tier. */
const tierCsvColumns: CsvColumn<TierRow>[] = [
  { header: "case_type", value: (r) => r.standard.caseType },
  { header: "percent", value: (r) => r.percent },
  { header: "days", value: (r) => r.days },
  { header: "updated_at", value: (r) => r.standard.updatedAt },
];

export function timeStandardsRoutes(deps: AppDeps, auth: AuthService) {
  const standards = createTimeStandardsService(deps.db.db, deps.cache, {
    jobs: deps.jobs,
    logger: deps.logger,
  });
  const common = { tags: ["time-standards"], security: bearerSecurity };

  return createRouter()
    .openapi(
      createRoute({
        ...common,
        middleware: [authenticate(auth)],
        method: "get",
        path: "/",
        operationId: "listTimeStandards",
        summary: "The time standard of every case type",
        request: { query: TimeStandardsQuery },
        responses: {
          200: jsonOrCsv(TimeStandardList, "Every case type's tiers (CSV: one row per tier)"),
          ...errorResponses(400, 401, 429, 503),
        },
      }),
      async (c) => {
        const data = await standards.all();
        if (wantsCsv(c, c.req.valid("query").format)) {
          const rows = data.flatMap((standard) => standard.tiers.map((t) => ({ standard, ...t })));
          return csvResponse("time-standards.csv", tierCsvColumns, oneBatch(rows));
        }
        return c.json({ data }, 200);
      },
    )
    .openapi(
      createRoute({
        ...common,
        middleware: [authenticate(auth), requireRole("admin")],
        method: "put",
        path: "/{caseType}",
        operationId: "replaceTimeStandard",
        summary: "Replace a case type's tiers (admin); cached measures are recomputed",
        request: { params: CaseTypeParam, body: jsonBody(PutTimeStandardBody) },
        responses: {
          200: json(TimeStandardSchema, "The stored standard"),
          ...errorResponses(400, 401, 403, 429, 503),
        },
      }),
      async (c) => {
        const saved = await standards.replace(
          c.req.valid("param").caseType,
          c.req.valid("json").tiers,
          auditContext(c, deps.config.TRUST_PROXY),
        );
        return c.json(saved, 200);
      },
    );
}
