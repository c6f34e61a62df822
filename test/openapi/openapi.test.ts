import { afterAll, beforeAll, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";

// The OpenAPI document is generated from the routes' zod schemas. A real validator checks it, and it
// must describe every route the app serves, so the docs and the typed client cannot drift from it.

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, unknown> }>;
  parameters?: { name: string; in: string }[];
}
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

/** Routes that are not part of the API contract: the document itself, its reference UI, the dashboard. */
const UNDOCUMENTED = [
  /^\/api\/openapi\.json$/,
  /^\/api\/docs(\/|$)/,
  // The dashboard's page and assets: a client of the documented routes, not one of them.
  /^\/dashboard(\/|$)/,
];

/** Our data routes: bearer security and CSV on lists are checked for these. */
const DATA_PREFIXES = ["/api/courts", "/api/judges", "/api/cases", "/api/time-standards"];

describePgRedis("OpenAPI document and reference", () => {
  let t: TestApp;
  let doc: Doc;

  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.app.request("/api/openapi.json");
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => {
    await t.close();
  });

  test("is OpenAPI 3.1 and passes a real validator", async () => {
    expect(doc.openapi).toBe("3.1.0");
    // The validator dereferences in place: give it a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
    expect(doc.components.securitySchemes.bearerAuth).toEqual(
      expect.objectContaining({ type: "http", scheme: "bearer", bearerFormat: "JWT" }),
    );
  });

  test("lists every route the app serves (and nothing it does not)", () => {
    const served = new Set(
      t.app.routes
        // Middleware registrations are method ALL (and so is the queue board's catch-all, a browser app).
        .filter((r) => r.method !== "ALL" && !UNDOCUMENTED.some((re) => re.test(r.path)))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !served.has(r)).sort()).toEqual([]);
    for (const route of [
      "GET /api/courts",
      "GET /api/courts/tree",
      "GET /api/courts/{id}",
      "POST /api/courts",
      "PATCH /api/courts/{id}",
      "GET /api/judges",
      "GET /api/judges/{id}",
      "POST /api/judges",
      "PATCH /api/judges/{id}",
      "POST /api/judges/{id}/assignments",
      "PATCH /api/judges/{id}/assignments/{assignmentId}",
      "GET /api/cases",
      "GET /api/cases/{id}",
      "GET /api/cases/{id}/activities",
      "GET /api/time-standards",
      "PUT /api/time-standards/{caseType}",
      "GET /",
      "GET /api",
      "GET /api/system/health",
      "GET /api/system/health/live",
      "GET /api/system/health/ready",
      "GET /api/system/health/detailed",
      "GET /api/system/metrics",
      "GET /api/system/version",
      "GET /api/system/queues",
      "POST /api/system/queues/board-session",
      "DELETE /api/system/queues/board-session",
      "GET /api/audit",
      "GET /api/users",
      "POST /api/imports",
    ]) {
      expect(documented).toContain(route);
    }
  });

  test("every data route requires the bearer token and documents its errors", () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!DATA_PREFIXES.some((p) => path.startsWith(p))) continue;
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect({ where, security: op.security }).toEqual({ where, security: [{ bearerAuth: [] }] });
        for (const status of ["400", "401"])
          expect({ where, has: status in op.responses }).toEqual({ where, has: true });
        if (path.includes("{id}"))
          expect({ where, has: "404" in op.responses }).toEqual({ where, has: true });
        if (method !== "get") expect({ where, has: "403" in op.responses }).toEqual({ where, has: true });
      }
    }
  });

  test("list routes offer CSV next to JSON", () => {
    for (const path of [
      "/api/courts",
      "/api/courts/tree",
      "/api/judges",
      "/api/cases",
      "/api/cases/{id}/activities",
      "/api/time-standards",
    ]) {
      const content = doc.paths[path]!.get!.responses["200"]!.content!;
      expect(Object.keys(content).sort()).toEqual(["application/json", "text/csv"]);
      expect(doc.paths[path]!.get!.parameters!.map((p) => p.name)).toContain("format");
    }
  });

  test("the case list documents its filters, sorts and cursor", () => {
    const params = doc.paths["/api/cases"]!.get!.parameters!.map((p) => p.name);
    for (const name of [
      "courtId",
      "judgeId",
      "caseType",
      "status",
      "filedFrom",
      "filedTo",
      "disposedFrom",
      "disposedTo",
      "minAgeDays",
      "maxAgeDays",
      "overStandard",
      "search",
      "sort",
      "limit",
      "cursor",
      "includeTotal",
    ]) {
      expect(params).toContain(name);
    }
  });

  test("/api/docs renders Scalar from the locally served bundle", async () => {
    const html = await t.app.request("/api/docs");
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toStartWith("text/html");
    const text = await html.text();
    expect(text).toContain("/api/docs/scalar.js");
    expect(text).toContain("/api/openapi.json");
    const bundle = await t.app.request("/api/docs/scalar.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toStartWith("application/javascript");
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });
});
