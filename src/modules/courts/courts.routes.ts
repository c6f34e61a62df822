import { createRoute } from "@hono/zod-openapi";
import { authenticate, currentUser, requireRole } from "../../auth/middleware";
import type { AppDeps } from "../../deps";
import { csvResponse, keysetBatches, mapBatches, oneBatch, wantsCsv } from "../../lib/csv";
import { encodeCursor } from "../../lib/cursor";
import { bearerSecurity, errorResponses, IdParam, json, jsonBody, jsonWithLocation } from "../../lib/openapi";
import { jsonOrCsv } from "../../lib/openapi-csv";
import { createRouter } from "../../lib/validation";
import type { Services } from "../../services";
import { auditContext } from "../audit/audit.context";
import { courtCsvColumns, treeCsvColumns } from "./courts.csv";
import { flattenTree } from "./courts.hierarchy";
import {
  CourtDetail,
  CourtList,
  CourtSchema,
  CourtTree,
  CreateCourtBody,
  ListCourtsQuery,
  TreeQuery,
  UpdateCourtBody,
} from "./courts.schemas";
import { requestScope } from "./courts.scope";
import { toCourtJson } from "./courts.service";

const CSV_BATCH = 500;

export function courtsRoutes(deps: AppDeps, { auth, courts }: Pick<Services, "auth" | "courts">) {
  const read = { tags: ["courts"], security: bearerSecurity, middleware: [authenticate(auth)] };
  const write = {
    ...read,
    middleware: [authenticate(auth), requireRole("admin", "court_admin")],
  };

  return createRouter()
    .openapi(
      createRoute({
        ...read,
        method: "get",
        path: "/",
        operationId: "listCourts",
        summary: "Courts in your scope, by code",
        request: { query: ListCourtsQuery },
        responses: {
          200: jsonOrCsv(CourtList, "A page of courts (or every matching court as CSV)"),
          ...errorResponses(400, 401, 429, 503),
        },
      }),
      async (c) => {
        const { format, cursor, ...q } = c.req.valid("query");
        const scope = requestScope(c);
        if (wantsCsv(c, format)) {
          const batches = keysetBatches((at: { code: string } | null) =>
            courts.list({ ...q, limit: CSV_BATCH, cursor: at ?? undefined }, scope),
          );
          return csvResponse(
            "courts.csv",
            courtCsvColumns,
            mapBatches(batches, (court) => toCourtJson(court, scope)),
          );
        }
        const page = await courts.list({ ...q, cursor }, scope);
        return c.json(
          {
            data: page.rows.map((court) => toCourtJson(court, scope)),
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
        path: "/tree",
        operationId: "getCourtTree",
        summary: "The court hierarchy in your scope, nested (your court is the root for scoped roles)",
        request: { query: TreeQuery },
        responses: {
          200: jsonOrCsv(CourtTree, "Root courts with their children (CSV: one row per court, depth-first)"),
          ...errorResponses(400, 401, 429, 503),
        },
      }),
      async (c) => {
        const tree = await courts.tree(requestScope(c));
        if (wantsCsv(c, c.req.valid("query").format)) {
          return csvResponse("court-tree.csv", treeCsvColumns, oneBatch(flattenTree(tree)));
        }
        return c.json({ data: tree }, 200);
      },
    )
    .openapi(
      createRoute({
        ...read,
        method: "get",
        path: "/{id}",
        operationId: "getCourt",
        summary: "One court with its children, current judges and case counts",
        request: { params: IdParam },
        responses: {
          200: json(CourtDetail, "The court"),
          ...errorResponses(400, 401, 404, 429, 503),
        },
      }),
      async (c) => c.json(await courts.detail(c.req.valid("param").id, requestScope(c)), 200),
    )
    .openapi(
      createRoute({
        ...write,
        method: "post",
        path: "/",
        operationId: "createCourt",
        summary: "Create a court (admin; court_admin under a court in their subtree)",
        request: { body: jsonBody(CreateCourtBody) },
        responses: {
          201: jsonWithLocation(CourtSchema, "Created; Location names the court"),
          ...errorResponses(400, 401, 403, 409, 429, 503),
        },
      }),
      async (c) => {
        const created = await courts.create(
          currentUser(c),
          requestScope(c),
          c.req.valid("json"),
          auditContext(c, deps.config.TRUST_PROXY),
        );
        c.header("Location", `/api/courts/${created.id}`);
        return c.json(toCourtJson(created, requestScope(c)), 201);
      },
    )
    .openapi(
      createRoute({
        ...write,
        method: "patch",
        path: "/{id}",
        operationId: "updateCourt",
        summary: "Update a court; a parent that would make a cycle is a 400",
        request: { params: IdParam, body: jsonBody(UpdateCourtBody) },
        responses: {
          200: json(CourtSchema, "Updated"),
          ...errorResponses(400, 401, 403, 404, 409, 429, 503),
        },
      }),
      async (c) => {
        const updated = await courts.update(
          currentUser(c),
          requestScope(c),
          c.req.valid("param").id,
          c.req.valid("json"),
          auditContext(c, deps.config.TRUST_PROXY),
        );
        return c.json(toCourtJson(updated, requestScope(c)), 200);
      },
    );
}
