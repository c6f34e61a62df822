import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetData } from "../helpers/case-data";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

// Rules every route follows, checked across the whole API (the OpenAPI document lists the routes):
// the index at / and /api, 405 with Allow for a known path and a wrong method, a Bearer challenge on
// every 401, and validation messages a person can read, in the one `details` shape.

type Doc = { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> };

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/** A concrete URL for a templated path (`/api/courts/{id}` → `/api/courts/1`). */
const concrete = (path: string) => path.replace(/\{caseType\}/g, "felony").replace(/\{[^}]+\}/g, "1");
const templateMatcher = (path: string) => new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`);

/** Words of zod's programmer-facing messages, which must not reach a person. */
const JAVASCRIPT = /expected|received|Invalid input|Invalid option|Too small|Too big|NaN|undefined/;

describePgRedis("HTTP rules across the API", () => {
  let t: TestApp;
  let doc: Doc;
  let admin: string;

  beforeAll(async () => {
    // METRICS_TOKEN set: the detailed report (metrics token or an admin's bearer token) is closed too,
    // as it is in production.
    t = await createTestApp({
      env: { API_RATE_LIMIT_PER_MIN: "100000", METRICS_TOKEN: "rules-metrics-token-0123456789" },
    });
    await resetData(t);
    await makeCourtTree(t.deps.db.db);
    await makeUser(t.deps.db.db, { email: "admin@rules.org", role: "admin" });
    admin = (await login(t, "admin@rules.org")).accessToken;
    doc = (await (await t.app.request("/api/openapi.json")).json()) as Doc;
  });
  afterAll(async () => {
    await t.close();
  });

  test("GET / and GET /api answer a small index pointing to the docs, the document and health", async () => {
    for (const path of ["/", "/api"]) {
      const res = await call(t, "GET", path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.body).toEqual({
        name: "courtflow",
        version: expect.any(String),
        docs: "/api/docs",
        openapi: "/api/openapi.json",
        health: "/api/system/health",
        login: "/api/auth/login",
      });
      for (const link of [res.body.docs, res.body.openapi, res.body.health])
        expect({ link, status: (await t.app.request(link)).status }).toEqual({ link, status: 200 });
    }
  });

  test("a wrong method on a known path is 405 with Allow, on every path; an unknown path stays 404", async () => {
    const templates = Object.entries(doc.paths).map(([path, ops]) => ({
      match: templateMatcher(path),
      methods: Object.keys(ops).map((m) => m.toUpperCase()),
    }));
    let checked = 0;
    for (const path of Object.keys(doc.paths)) {
      const url = concrete(path);
      // What the URL answers: every template it matches (`/api/courts/tree` is also `/api/courts/{id}`).
      const served = new Set(templates.filter((x) => x.match.test(url)).flatMap((x) => x.methods));
      const allow = [...served];
      if (served.has("GET")) allow.push("HEAD");
      if (url.startsWith("/api/")) allow.push("OPTIONS");
      const order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
      const expected = allow.sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(", ");
      for (const method of METHODS.filter((m) => !served.has(m))) {
        const res = await call(t, method, url, { token: admin });
        expect({
          method,
          url,
          status: res.status,
          allow: res.headers.get("allow"),
          code: res.body?.error?.code,
        }).toEqual({ method, url, status: 405, allow: expected, code: "METHOD_NOT_ALLOWED" });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    // The issue's own example, and the message saying what to use.
    const health = await call(t, "PUT", "/api/system/health");
    expect(health.status).toBe(405);
    expect(health.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(health.body.error.message).toBe(
      "PUT is not allowed on /api/system/health; it answers GET, HEAD, OPTIONS",
    );
    // Not a known path: still 404.
    await expectError(await call(t, "PUT", "/api/no/such/thing"), 404, "NOT_FOUND");
    await expectError(await call(t, "GET", "/api/courts/1/nothing"), 404, "NOT_FOUND");
  });

  test("every 401 carries WWW-Authenticate: Bearer, with error=invalid_token when a token was refused", async () => {
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.security?.some((s) => "bearerAuth" in s)) continue;
        const where = `${method.toUpperCase()} ${path}`;
        const opts = method === "get" || method === "delete" ? {} : { body: {} };
        const none = await call(t, method.toUpperCase(), concrete(path), opts);
        expect({ where, status: none.status, challenge: none.headers.get("www-authenticate") }).toEqual({
          where,
          status: 401,
          challenge: 'Bearer realm="courtflow"',
        });
        const forged = await call(t, method.toUpperCase(), concrete(path), {
          ...opts,
          token: "forged.token.value",
        });
        expect({ where, status: forged.status, challenge: forged.headers.get("www-authenticate") }).toEqual({
          where,
          status: 401,
          challenge: 'Bearer realm="courtflow", error="invalid_token"',
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);

    // The other 401s: a wrong password, a spent refresh token, the queue board without its cookie.
    const wrong = await call(t, "POST", "/api/auth/login", {
      body: { email: "admin@rules.org", password: "nope-nope-nope" },
    });
    expect([wrong.status, wrong.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="courtflow"']);
    const refresh = await call(t, "POST", "/api/auth/refresh", {
      body: { refreshToken: "not-a-refresh-token" },
    });
    expect([refresh.status, refresh.headers.get("www-authenticate")]).toEqual([
      401,
      'Bearer realm="courtflow"',
    ]);
    const board = await call(t, "GET", "/admin/queues");
    expect([board.status, board.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="courtflow"']);
  });

  test("validation messages are plain words naming the field, the same on every route", async () => {
    const problems = async (method: string, path: string, body?: unknown) => {
      const res = await call(t, method, path, { token: admin, ...(body === undefined ? {} : { body }) });
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({
        path,
        status: 400,
        code: "VALIDATION_FAILED",
      });
      // The one details shape: a list of { path, message }.
      for (const d of res.body.error.details) {
        expect(Object.keys(d).sort()).toEqual(["message", "path"]);
        expect({ path: d.path, message: d.message }).not.toEqual({
          path: d.path,
          message: expect.stringMatching(JAVASCRIPT),
        });
      }
      expect(res.body.error.message).not.toMatch(JAVASCRIPT);
      return Object.fromEntries(
        res.body.error.details.map((d: { path: string; message: string }) => [d.path, d.message]),
      );
    };

    // The two examples.
    expect(await problems("GET", "/api/courts/abc")).toEqual({ "param.id": "must be a positive integer" });
    const upload = new FormData();
    upload.append("source", "cms");
    upload.append("cases", new File(["court_code\r\n"], "cases.csv", { type: "text/csv" }));
    const noDate = await t.app.request("/api/imports", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
      body: upload,
    });
    const noDateBody = (await noDate.json()) as { error: { details: { path: string; message: string }[] } };
    expect(noDateBody.error.details).toContainEqual({ path: "body.extractDate", message: "is required" });

    // Ids, limits, enums, dates, text, emails, bodies, on routes of every module.
    expect(await problems("GET", "/api/users/0")).toEqual({ "param.id": "must be a positive integer" });
    expect(await problems("GET", "/api/judges/1.5")).toEqual({ "param.id": "must be a positive integer" });
    expect(await problems("GET", "/api/cases/99999999999")).toEqual({
      "param.id": "must be a positive integer no larger than 2147483647",
    });
    expect(await problems("GET", "/api/cases?limit=500")).toEqual({
      "query.limit": "must be an integer between 1 and 200",
    });
    expect(await problems("GET", "/api/imports?limit=abc")).toEqual({
      "query.limit": "must be an integer between 1 and 200",
    });
    expect(await problems("GET", "/api/courts?level=county")).toEqual({
      "query.level": "must be one of: supreme, appellate, trial, limited",
    });
    expect(await problems("GET", "/api/cases?format=xml")).toEqual({
      "query.format": "must be one of: json, csv",
    });
    expect(await problems("GET", "/api/measures/clearance?caseType=parking&granularity=week")).toEqual({
      "query.caseType": expect.stringMatching(/^must be one of: felony, misdemeanor, traffic, /),
      "query.granularity": "must be one of: month, quarter, year, total",
    });
    expect(await problems("GET", "/api/audit?from=yesterday")).toEqual({
      "query.from": "must be a date YYYY-MM-DD",
    });
    expect(await problems("POST", "/api/courts", {})).toEqual({
      "body.code": "is required",
      "body.name": "is required",
      "body.level": "is required",
    });
    expect(
      await problems("POST", "/api/courts", { code: "X", name: "", level: "trial", parentId: "1" }),
    ).toEqual({
      "body.name": "must not be empty",
      "body.parentId": "must be a positive integer",
    });
    expect(
      await problems("POST", "/api/users", {
        email: "not-an-email",
        name: "N",
        password: "short",
        role: "boss",
      }),
    ).toEqual({
      "body.email": "must be an email address",
      "body.password": "must be at least 12 characters",
      "body.role": "must be one of: admin, court_admin, analyst, viewer",
    });
    expect(await problems("PUT", "/api/time-standards/felony", { tiers: [] })).toEqual({
      "body.tiers": "must have at least one entry",
    });
    expect(await problems("PUT", "/api/time-standards/felony", { tiers: [{ percent: 90 }] })).toEqual({
      "body.tiers.0.days": "is required",
    });
    expect(await problems("PATCH", "/api/judges/1", { active: "yes" })).toMatchObject({
      "body.active": "must be true or false",
    });
    expect(await problems("POST", "/api/auth/password", { currentPassword: 5 })).toEqual({
      "body.currentPassword": "must be text",
      "body.newPassword": "is required",
    });

    // The summary message names them too, for a client that shows only the message.
    const one = await call(t, "GET", "/api/courts/abc", { token: admin });
    expect(one.body.error.message).toBe("Invalid request: param.id must be a positive integer");
  });
});
