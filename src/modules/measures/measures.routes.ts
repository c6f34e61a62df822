import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { authenticate } from "../../auth/middleware";
import { intersectCourtIds } from "../../auth/scope";
import type { AppDeps } from "../../deps";
import { csvResponse, oneBatch, wantsCsv } from "../../lib/csv";
import { bearerSecurity, errorResponses } from "../../lib/openapi";
import { jsonOrCsv } from "../../lib/openapi-csv";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import { requestScope } from "../courts/courts.scope";
import { courtSubtreeIds } from "../courts/courts.tree.repo";
import { etagOf, notModified } from "./measures.cache";
import { coverageOf, type MeasureName } from "./measures.coverage";
import * as csv from "./measures.csv";
import { readDataAsOf } from "./measures.freshness.repo";
import {
  BacklogResponse,
  CaseflowResponse,
  ClearanceResponse,
  ContinuancesResponse,
  type Coverage,
  JudgeWorkloadResponse,
  MeasureGranularityQuery,
  MeasureQuery,
  type MeasureQueryInput,
  PendingAgeResponse,
  resolveDates,
  SummaryResponse,
  TimeToDispositionResponse,
  TrialDateCertaintyResponse,
} from "./measures.schemas";
import * as measures from "./measures.service";
import type { MeasureFilters } from "./measures.types";

// GET /api/measures/*: every measure of docs/measures.md for the caller's court scope, as JSON or
// text/csv (format=csv or Accept: text/csv); cached in Redis per effective scope and parameters
// (measures.cache.ts), with an ETag and 304 for If-None-Match, and fresh=true to recompute. Every
// answer says how fresh its figures are: `dataAsOf` in the body, kept in the cache with the figures it
// was read with, and the Data-As-Of header (CSV and 304 too).

export function measuresRoutes(
  deps: AppDeps,
  { auth, measureCache }: Pick<Services, "auth" | "measureCache">,
) {
  const db = deps.db.db;
  const read = { tags: ["measures"], security: bearerSecurity, middleware: [authenticate(auth)] };
  const errors = errorResponses(400, 401, 429, 503);

  /**
   * Defaults applied; the courtId filter's subtree intersected with the caller's scope; then the
   * figures from the cache or computed by `compute`, with what they cover.
   */
  async function figures<T extends object>(
    c: Context<AppEnv>,
    q: MeasureQueryInput & { granularity?: string },
    measure: MeasureName,
    compute: (filters: MeasureFilters) => Promise<T>,
  ): Promise<T & { coverage: Coverage; dataAsOf: string | null }> {
    const subtree = q.courtId === undefined ? null : await courtSubtreeIds(db, q.courtId);
    const filters: MeasureFilters = {
      ...resolveDates(q),
      caseType: q.caseType,
      judgeId: q.judgeId,
      courtIds: intersectCourtIds(requestScope(c), subtree),
    };
    const extra = q.granularity ? { granularity: q.granularity } : undefined;
    const m = await measureCache.get(
      c,
      { measure, filters, extra, courtId: q.courtId, subtree },
      async () => {
        // Read first: a refresh landing while the figures are computed makes them newer than it says,
        // never older.
        const dataAsOf = await readDataAsOf(db);
        return { ...(await compute(filters)), dataAsOf };
      },
    );
    // An entry cached before dataAsOf existed has none: it is as old as it can be, say nothing.
    const dataAsOf = m.dataAsOf ?? null;
    if (dataAsOf) c.header("Data-As-Of", dataAsOf);
    return { coverage: coverageOf(measure, filters, q), ...m, dataAsOf };
  }

  /** 304 when the client has these figures; else JSON, or the measure's CSV table as a download. */
  function answer<T>(
    c: Context<AppEnv>,
    q: MeasureQueryInput,
    name: string,
    value: { coverage: Coverage; dataAsOf: string | null },
    table: () => csv.CsvTable<T>,
  ) {
    const etag = etagOf(name, value);
    // Figures change only through imports and standard edits: revalidate every time, cheaply. Private:
    // no shared cache may keep one court's figures (src/lib/http-edge.ts stores nothing else).
    const cacheControl = "private, no-cache";
    c.header("ETag", etag);
    c.header("Cache-Control", cacheControl);
    if (notModified(c, etag)) return c.body(null, 304) as never;
    if (!wantsCsv(c, q.format)) return null;
    const t = csv.withCoverage(table(), value.coverage);
    const res = csvResponse(`${name}.csv`, t.columns, oneBatch(t.rows));
    res.headers.set("ETag", etag);
    res.headers.set("Cache-Control", cacheControl);
    if (value.dataAsOf) res.headers.set("Data-As-Of", value.dataAsOf);
    return res;
  }

  const cacheHeaders = {
    ETag: { $ref: "#/components/headers/ETag" },
    "Cache-Control": { $ref: "#/components/headers/CacheControl" },
    "Data-As-Of": { $ref: "#/components/headers/DataAsOf" },
  };

  const route = <S extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    schema: S,
    granular = false,
  ) =>
    createRoute({
      ...read,
      method: "get",
      path,
      operationId,
      summary,
      request: { query: granular ? MeasureGranularityQuery : MeasureQuery },
      responses: {
        200: { ...jsonOrCsv(schema, summary), headers: cacheHeaders },
        304: { description: "Not modified: the If-None-Match ETag still matches", headers: cacheHeaders },
        ...errors,
        ...errorResponses(403),
      },
    });

  return createRouter()
    .openapi(
      route(
        "/clearance",
        "getClearance",
        "Clearance rate (CourTools 2) per period and in total",
        ClearanceResponse,
        true,
      ),
      async (c) => {
        const q = c.req.valid("query") as MeasureQueryInput & { granularity: "month" };
        const m = await figures(c, q, "clearance", (f) => measures.clearance(db, f, q.granularity));
        return answer(c, q, "clearance", m, () => csv.clearanceCsv(m)) ?? c.json(m, 200);
      },
    )
    .openapi(
      route(
        "/time-to-disposition",
        "getTimeToDisposition",
        "Time to disposition (CourTools 3)",
        TimeToDispositionResponse,
      ),
      async (c) => {
        const q = c.req.valid("query");
        const m = await figures(c, q, "time-to-disposition", (f) => measures.timeToDisposition(db, f));
        return answer(c, q, "time-to-disposition", m, () => csv.timeToDispositionCsv(m)) ?? c.json(m, 200);
      },
    )
    .openapi(
      route(
        "/pending-age",
        "getPendingAge",
        "Age of the active pending caseload at asOf (CourTools 4)",
        PendingAgeResponse,
      ),
      async (c) => {
        const q = c.req.valid("query");
        const m = await figures(c, q, "pending-age", (f) => measures.pendingAge(db, f));
        return answer(c, q, "pending-age", m, () => csv.pendingAgeCsv(m)) ?? c.json(m, 200);
      },
    )
    .openapi(route("/backlog", "getBacklog", "Backlog at asOf", BacklogResponse), async (c) => {
      const q = c.req.valid("query");
      const m = await figures(c, q, "backlog", (f) => measures.backlog(db, f));
      return answer(c, q, "backlog", m, () => csv.backlogCsv(m)) ?? c.json(m, 200);
    })
    .openapi(
      route(
        "/trial-date-certainty",
        "getTrialDateCertainty",
        "Trial date certainty (CourTools 5)",
        TrialDateCertaintyResponse,
      ),
      async (c) => {
        const q = c.req.valid("query");
        const m = await figures(c, q, "trial-date-certainty", (f) => measures.trialDateCertainty(db, f));
        return answer(c, q, "trial-date-certainty", m, () => csv.trialDateCertaintyCsv(m)) ?? c.json(m, 200);
      },
    )
    .openapi(
      route("/continuances", "getContinuances", "Continuance rate", ContinuancesResponse),
      async (c) => {
        const q = c.req.valid("query");
        const m = await figures(c, q, "continuances", (f) => measures.continuances(db, f));
        return answer(c, q, "continuances", m, () => csv.continuancesCsv(m)) ?? c.json(m, 200);
      },
    )
    .openapi(
      route(
        "/caseflow",
        "getCaseflow",
        "Pending at the start and end of each period, incoming and outgoing",
        CaseflowResponse,
        true,
      ),
      async (c) => {
        const q = c.req.valid("query") as MeasureQueryInput & { granularity: "month" };
        const m = await figures(c, q, "caseflow", (f) => measures.caseflow(db, f, q.granularity));
        return answer(c, q, "caseflow", m, () => csv.caseflowCsv(m)) ?? c.json(m, 200);
      },
    )
    .openapi(
      route(
        "/judge-workload",
        "getJudgeWorkload",
        "Per judge: incoming, outgoing, clearance, active pending",
        JudgeWorkloadResponse,
      ),
      async (c) => {
        const q = c.req.valid("query");
        const m = await figures(c, q, "judge-workload", (f) => measures.judgeWorkload(db, f));
        return answer(c, q, "judge-workload", m, () => csv.judgeWorkloadCsv(m)) ?? c.json(m, 200);
      },
    )
    .openapi(
      route(
        "/summary",
        "getMeasuresSummary",
        "KPI cards for the period against the previous period of equal length",
        SummaryResponse,
      ),
      async (c) => {
        const q = c.req.valid("query");
        const m = await figures(c, q, "summary", (f) => measures.summary(db, f));
        return answer(c, q, "summary", m, () => csv.summaryCsv(m)) ?? c.json(m, 200);
      },
    );
}
