import { afterAll, beforeAll, expect, test } from "bun:test";
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../dashboard/src/api/schema.gen";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { type ResponseCheck, responseValidator } from "../helpers/openapi-validator";
import {
  ACTIVITIES_HEADER,
  CASES_HEADER,
  csv,
  type ImportWorld,
  processNow,
  setupWorld,
} from "../imports/helpers";

// The OpenAPI document as a contract: a client generated from it by a standard generator
// (openapi-typescript types + openapi-fetch, committed in ./generated and checked for freshness by
// client-types.test.ts) calls every operation of the API, without a single cast, against the real app
// (app.fetch as the client's fetch). Every response on the way is checked against the document:
// status declared, media type declared, body valid (strictly: no undeclared field), required headers
// present. `bun run typecheck` compiles this file, so the type assertions below are part of the proof.

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Schemas = components["schemas"];

const BASE = "http://courtflow.test";
let ip = 0;
/** A distinct client address per login, so the per-IP login limit stays out of the way. */
const fromNewIp = () => ({ "X-Forwarded-For": `10.77.${++ip >> 8}.${ip & 255}` });

describePgRedis("OpenAPI contract: a generated client against the real app", () => {
  let t: TestApp;
  let world: ImportWorld;
  let validator: ReturnType<typeof responseValidator>;
  const problems: string[] = [];
  const called = new Set<string>();

  /** Checks every response against the document and records which operation it answered. */
  const conformance: Middleware = {
    async onResponse({ request, response, schemaPath }) {
      const check: ResponseCheck = {
        method: request.method,
        path: schemaPath,
        status: response.status,
        headers: response.headers,
        text: await response.clone().text(),
      };
      problems.push(...validator.check(check));
      called.add(`${request.method} ${schemaPath}`);
      return response;
    },
  };

  /** JSON clients type `data` as the JSON schema alone (the CSV form is another media type). */
  const jsonClient = (token?: string) => {
    const client = createClient<paths, "application/json">({
      baseUrl: BASE,
      fetch: async (req) => t.app.fetch(req),
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    client.use(conformance);
    return client;
  };
  /** The CSV (and Prometheus text) forms, read as text. */
  const textClient = (token?: string) => {
    const client = createClient<paths>({
      baseUrl: BASE,
      fetch: async (req) => t.app.fetch(req),
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    client.use(conformance);
    return client;
  };

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        API_RATE_LIMIT_PER_MIN: "100000",
        LOGIN_RATE_LIMIT_PER_MIN: "4",
        TRUST_PROXY: "true",
        BODY_LIMIT_BYTES: "2048",
      },
    });
    world = await setupWorld(t);
    validator = responseValidator((await (await t.app.request("/api/openapi.json")).json()) as object);
  });
  afterAll(async () => {
    await t.close();
  });

  test("the document declares every tag its operations use, and every operation has a unique operationId", () => {
    const doc = validator.document;
    const declared = new Set((doc.tags as { name: string }[]).map((tag) => tag.name));
    const ids: string[] = [];
    for (const [path, item] of Object.entries(
      doc.paths as Record<string, Record<string, Record<string, unknown>>>,
    ))
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect({ where, operationId: typeof op.operationId }).toEqual({ where, operationId: "string" });
        ids.push(op.operationId as string);
        for (const tag of (op.tags as string[] | undefined) ?? [])
          expect({ where, tag, declared: declared.has(tag) }).toEqual({ where, tag, declared: true });
        expect({ where, tags: ((op.tags as string[] | undefined) ?? []).length > 0 }).toEqual({
          where,
          tags: true,
        });
      }
    expect(ids.length).toBeGreaterThan(50);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    // Login and refresh are the ways in: explicitly open.
    expect(doc.paths["/api/auth/login"].post.security).toEqual([]);
    expect(doc.paths["/api/auth/refresh"].post.security).toEqual([]);
  });

  test("every operation, called through the generated client, answers as the document says", async () => {
    const open = jsonClient();

    // --- system and index (no token) -----------------------------------------------------------
    const root = await open.GET("/");
    expect(root.data?.docs).toBe("/api/docs");
    const index = await open.GET("/api");
    expect(index.data).toMatchObject({ openapi: "/api/openapi.json", health: "/api/system/health" });
    expect((await open.GET("/api/system/health")).data?.status).toBe("ok");
    expect((await open.GET("/api/system/health/live")).data?.status).toBe("ok");
    expect((await open.GET("/api/system/health/ready")).data?.status).toBe("ready");
    expect((await open.GET("/api/system/health/detailed")).data?.checks).toHaveProperty("database");
    expect((await open.GET("/api/system/version")).data?.name).toBe("courtflow");
    const metrics = await textClient().GET("/api/system/metrics", { parseAs: "text" });
    expect(metrics.data).toContain("courtflow_");

    // --- auth ------------------------------------------------------------------------------------
    const bad = await open.POST("/api/auth/login", {
      body: { email: "admin@imp.org", password: "not-the-password" },
      headers: fromNewIp(),
    });
    expect(bad.error?.error.code).toBe("INVALID_CREDENTIALS");
    const admin2 = await open.POST("/api/auth/login", {
      body: { email: "admin@imp.org", password: "correct-horse-battery-staple" },
      headers: fromNewIp(),
    });
    expect(admin2.response.status).toBe(200);
    type LoginOk = NonNullable<typeof admin2.data>;
    type _login = Expect<Equal<LoginOk["accessToken"], string>>;
    const refreshed = await open.POST("/api/auth/refresh", {
      body: { refreshToken: admin2.data!.refreshToken },
    });
    expect(refreshed.data?.accessToken).toBeString();
    const reused = await open.POST("/api/auth/refresh", {
      body: { refreshToken: admin2.data!.refreshToken },
    });
    expect(reused.error?.error.code).toBe("UNAUTHENTICATED");

    // The refresh token's reuse revoked that session; a second one to revoke by hand.
    await open.POST("/api/auth/login", {
      body: { email: "admin@imp.org", password: "correct-horse-battery-staple" },
      headers: fromNewIp(),
    });
    const admin = jsonClient(world.tokens.admin);
    const me = await admin.GET("/api/auth/me");
    expect(me.data?.email).toBe("admin@imp.org");
    const sessions = await admin.GET("/api/auth/sessions");
    const other = sessions.data!.data.find((s) => !s.current);
    expect(other).toBeDefined();
    expect(
      (await admin.DELETE("/api/auth/sessions/{id}", { params: { path: { id: other!.id } } })).data,
    ).toEqual({
      ok: true,
    });

    // Two sessions of the analyst: one logs out, the other logs every session out.
    const analystLogin = async () =>
      (
        await open.POST("/api/auth/login", {
          body: { email: "analyst@imp.org", password: "correct-horse-battery-staple" },
          headers: fromNewIp(),
        })
      ).data!.accessToken;
    expect((await jsonClient(await analystLogin()).POST("/api/auth/logout")).data).toEqual({ ok: true });
    expect(
      (await jsonClient(await analystLogin()).POST("/api/auth/logout-all")).data?.revoked,
    ).toBeGreaterThan(0);

    // --- users -----------------------------------------------------------------------------------
    const firstUsers = await admin.GET("/api/users", { params: { query: { limit: 2 } } });
    type UserCursor = NonNullable<typeof firstUsers.data>["nextCursor"];
    type _users = Expect<Equal<UserCursor, string | null>>;
    const cursor = firstUsers.data!.nextCursor;
    expect(cursor).toBeString();
    const nextUsers = await admin.GET("/api/users", { params: { query: { limit: 2, cursor: cursor! } } });
    expect(nextUsers.data!.data[0]!.id).toBeGreaterThan(firstUsers.data!.data[1]!.id);
    const created = await admin.POST("/api/users", {
      body: {
        email: "new@imp.org",
        name: "New",
        password: "a-long-enough-password",
        role: "viewer",
        courtId: world.courts.d1.id,
      },
    });
    expect(created.response.status).toBe(201);
    const newId = created.data!.id;
    const dup = await admin.POST("/api/users", {
      body: {
        email: "NEW@imp.org",
        name: "Dup",
        password: "a-long-enough-password",
        role: "viewer",
        courtId: world.courts.d1.id,
      },
    });
    expect(dup.error?.error.details).toEqual([
      { path: "body.email", message: "already exists", constraint: expect.any(String) },
    ]);
    expect((await admin.GET("/api/users/{id}", { params: { path: { id: newId } } })).data?.email).toBe(
      "new@imp.org",
    );
    expect(
      (await admin.PATCH("/api/users/{id}", { params: { path: { id: newId } }, body: { name: "Renamed" } }))
        .data?.name,
    ).toBe("Renamed");
    const reset = await admin.POST("/api/users/{id}/password-reset", {
      params: { path: { id: newId } },
      body: { newPassword: "a-new-long-enough-password" },
    });
    expect(reset.data?.revokedSessions).toBe(0);
    expect((await admin.DELETE("/api/users/{id}", { params: { path: { id: newId } } })).data?.active).toBe(
      false,
    );

    // The court administrator changes their password (and keeps this session).
    const ca = jsonClient(world.tokens.court_admin);
    const pw = await ca.POST("/api/auth/password", {
      body: { currentPassword: "correct-horse-battery-staple", newPassword: "another-long-password" },
    });
    expect(pw.data?.revokedSessions).toBe(0);

    // --- courts, judges ----------------------------------------------------------------------------
    const courts = await admin.GET("/api/courts", { params: { query: { limit: 2 } } });
    type CourtsData = NonNullable<typeof courts.data>;
    // The JSON schema alone, not a union with the CSV text.
    type _courts = [
      Expect<Equal<Extract<CourtsData, string>, never>>,
      Expect<Equal<CourtsData["data"][number]["code"], string>>,
    ];
    expect(courts.data!.data).toHaveLength(2);
    expect(
      (await admin.GET("/api/courts", { params: { query: { cursor: courts.data!.nextCursor! } } })).data!.data
        .length,
    ).toBeGreaterThan(0);
    expect((await admin.GET("/api/courts/tree")).data!.data[0]!.code).toBe("STATE");
    const d1 = world.courts.d1.id;
    expect((await admin.GET("/api/courts/{id}", { params: { path: { id: d1 } } })).data?.parent?.code).toBe(
      "STATE",
    );
    expect(
      (await admin.GET("/api/courts/{id}", { params: { path: { id: world.courts.state.id } } })).data?.parent,
    ).toBeNull();
    expect(
      (await admin.GET("/api/courts/{id}", { params: { path: { id: 999_999 } } })).error?.error.code,
    ).toBe("NOT_FOUND");
    const court = await admin.POST("/api/courts", {
      body: { code: "D3", name: "District Three", level: "trial", parentCode: "STATE" },
    });
    expect(court.response.headers.get("location")).toBe(`/api/courts/${court.data!.id}`);
    expect(
      (
        await admin.PATCH("/api/courts/{id}", {
          params: { path: { id: court.data!.id } },
          body: { name: "District 3" },
        })
      ).data?.name,
    ).toBe("District 3");
    const viewer = jsonClient(world.tokens.viewer);
    expect(
      (await viewer.POST("/api/courts", { body: { code: "X", name: "X", level: "trial" } })).error?.error
        .code,
    ).toBe("FORBIDDEN");

    const judges = await admin.GET("/api/judges");
    const j1 = judges.data!.data.find((j) => j.code === "J1")!;
    expect((await admin.GET("/api/judges/{id}", { params: { path: { id: j1.id } } })).data?.code).toBe("J1");
    const judge = await admin.POST("/api/judges", { body: { code: "J3", name: "Judge Three", courtId: d1 } });
    expect(judge.response.status).toBe(201);
    expect(
      (
        await admin.PATCH("/api/judges/{id}", {
          params: { path: { id: judge.data!.id } },
          body: { name: "Judge 3" },
        })
      ).data?.name,
    ).toBe("Judge 3");
    const assignment = await admin.POST("/api/judges/{id}/assignments", {
      params: { path: { id: judge.data!.id } },
      body: { courtId: world.courts.d2.id, startsOn: "2025-01-01" },
    });
    expect(assignment.response.status).toBe(201);
    const ended = await admin.PATCH("/api/judges/{id}/assignments/{assignmentId}", {
      params: { path: { id: judge.data!.id, assignmentId: assignment.data!.id } },
      body: { endsOn: "2025-06-30" },
    });
    expect(ended.data?.endsOn).toBe("2025-06-30");

    // --- imports: upload, duplicate, errors, retry ---------------------------------------------------
    const uploadBody = {
      source: "contract",
      extractDate: "2025-07-01",
      cases: csv(CASES_HEADER, [
        "D1,CT-1,felony,2025-01-10,active,,J1,,",
        "D1,CT-2,misdemeanor,2025-02-01,disposed,2025-05-01,J1,2025-05-01,plea",
        "NOPE,CT-3,felony,2025-01-10,active,,,,",
      ]),
      activities: csv(ACTIVITIES_HEADER, ["A-1,D1,CT-1,hearing,2025-03-01,continued,J1,"]),
    };
    const multipart = (body: {
      source: string;
      extractDate: string;
      cases?: string;
      activities?: string;
    }) => {
      const form = new FormData();
      form.append("source", body.source);
      form.append("extractDate", body.extractDate);
      if (body.cases) form.append("cases", new File([body.cases], "cases.csv", { type: "text/csv" }));
      if (body.activities)
        form.append("activities", new File([body.activities], "activities.csv", { type: "text/csv" }));
      return form;
    };
    const uploaded = await admin.POST("/api/imports", { body: uploadBody, bodySerializer: multipart });
    expect(uploaded.response.status).toBe(202);
    const batchId = uploaded.data!.id;
    const again = await admin.POST("/api/imports", { body: uploadBody, bodySerializer: multipart });
    expect({ status: again.response.status, location: again.response.headers.get("location") }).toEqual({
      status: 200,
      location: `/api/imports/${batchId}`,
    });
    const notMultipart = await admin.POST("/api/imports", {
      body: uploadBody,
      bodySerializer: (b) => JSON.stringify(b),
      headers: { "Content-Type": "application/json" },
    });
    expect(notMultipart.error?.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    await processNow(t, batchId);
    expect((await admin.GET("/api/imports")).data!.data[0]!.id).toBe(batchId);
    expect((await admin.GET("/api/imports/{id}", { params: { path: { id: batchId } } })).data?.status).toBe(
      "completed_with_errors",
    );
    expect(
      (await admin.GET("/api/imports/{id}/errors", { params: { path: { id: batchId } } })).data!.data[0]!
        .field,
    ).toBe("court_code");
    expect(
      (
        await admin.POST("/api/imports/{id}/retry", { params: { path: { id: batchId } } })
      ).response.headers.get("location"),
    ).toBe(`/api/imports/${batchId}`);

    // --- cases, time standards ----------------------------------------------------------------------
    const cases = await admin.GET("/api/cases", { params: { query: { sort: "caseNumber" } } });
    const ct1 = cases.data!.data.find((c) => c.caseNumber === "CT-1")!;
    expect((await admin.GET("/api/cases/{id}", { params: { path: { id: ct1.id } } })).data?.court.code).toBe(
      "D1",
    );
    expect(
      (await admin.GET("/api/cases/{id}/activities", { params: { path: { id: ct1.id } } })).data!.data.map(
        (a) => a.type,
      ),
    ).toContain("hearing");
    expect((await admin.GET("/api/time-standards")).data!.data.length).toBeGreaterThan(5);
    const standard = await admin.PUT("/api/time-standards/{caseType}", {
      params: { path: { caseType: "traffic" } },
      body: { tiers: [{ percent: 90, days: 60 }] },
    });
    expect(standard.data?.tiers).toEqual([{ percent: 90, days: 60 }]);

    // --- measures -----------------------------------------------------------------------------------
    const range = { from: "2025-01-01", to: "2025-06-30" };
    const clearance = await admin.GET("/api/measures/clearance", {
      params: { query: { ...range, granularity: "quarter" } },
    });
    type ClearanceData = NonNullable<typeof clearance.data>;
    type _clearance = [
      Expect<Equal<Extract<ClearanceData, string>, never>>,
      Expect<Equal<ClearanceData["coverage"]["courtIds"], number[] | null>>,
    ];
    expect(clearance.data?.coverage).toMatchObject({ ...range, asOf: null });
    const etag = clearance.response.headers.get("etag")!;
    const cached = await admin.GET("/api/measures/clearance", {
      params: { query: { ...range, granularity: "quarter" } },
      headers: { "If-None-Match": etag },
    });
    expect(cached.response.status).toBe(304);
    await admin.GET("/api/measures/time-to-disposition", { params: { query: range } });
    expect(
      (await admin.GET("/api/measures/pending-age", { params: { query: range } })).data?.coverage.asOf,
    ).toBe("2025-06-30");
    await admin.GET("/api/measures/backlog", { params: { query: range } });
    const trials = await admin.GET("/api/measures/trial-date-certainty", { params: { query: range } });
    type _trials = Expect<Equal<NonNullable<typeof trials.data>["distribution"], Schemas["MeasureBucket"][]>>;
    await admin.GET("/api/measures/continuances", { params: { query: range } });
    await admin.GET("/api/measures/caseflow", { params: { query: range } });
    const workload = await admin.GET("/api/measures/judge-workload", { params: { query: range } });
    expect(workload.data!.data.map((j) => j.judgeName)).toContain("Judge J1");
    await admin.GET("/api/measures/summary", { params: { query: range } });

    // --- audit ------------------------------------------------------------------------------------
    const audit = await admin.GET("/api/audit", { params: { query: { limit: 3 } } });
    type _audit = Expect<Equal<NonNullable<typeof audit.data>["nextCursor"], string | null>>;
    const page2 = await admin.GET("/api/audit", {
      params: { query: { limit: 3, cursor: audit.data!.nextCursor! } },
    });
    expect(page2.data!.data[0]!.id).toBeLessThan(audit.data!.data[2]!.id);
    expect(
      (await admin.GET("/api/audit", { params: { query: { action: "court.created" } } })).data!.data,
    ).toHaveLength(1);

    // --- queues (services mode: BullMQ) ---------------------------------------------------------------
    expect((await admin.GET("/api/system/queues")).data?.mode).toBe("bullmq");
    const board = await admin.POST("/api/system/queues/board-session");
    expect(board.data?.url).toBe("/admin/queues");
    expect((await admin.DELETE("/api/system/queues/board-session")).response.status).toBe(204);

    // --- the CSV forms --------------------------------------------------------------------------------
    const text = textClient(world.tokens.admin);
    const csvCalls = [
      text.GET("/api/courts", { params: { query: { format: "csv" } }, parseAs: "text" }),
      text.GET("/api/courts/tree", { params: { query: { format: "csv" } }, parseAs: "text" }),
      text.GET("/api/judges", { params: { query: { format: "csv" } }, parseAs: "text" }),
      text.GET("/api/cases", { params: { query: { format: "csv" } }, parseAs: "text" }),
      text.GET("/api/time-standards", { params: { query: { format: "csv" } }, parseAs: "text" }),
      text.GET("/api/audit", { params: { query: { format: "csv" } }, parseAs: "text" }),
      text.GET("/api/imports/{id}/errors", {
        params: { path: { id: batchId }, query: { format: "csv" } },
        parseAs: "text",
      }),
      text.GET("/api/measures/summary", { params: { query: { ...range, format: "csv" } }, parseAs: "text" }),
    ];
    for (const r of await Promise.all(csvCalls)) {
      expect(r.response.headers.get("content-type")).toStartWith("text/csv");
      expect(r.response.headers.get("content-disposition")).toStartWith("attachment;");
    }

    expect(problems).toEqual([]);
    const operations = Object.entries(
      validator.document.paths as Record<string, Record<string, unknown>>,
    ).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.filter((op) => !called.has(op)).sort()).toEqual([]);
  });

  test("the errors a client must handle are declared where they happen, in the one error shape", async () => {
    const open = jsonClient();
    const admin = jsonClient(world.tokens.admin);

    // 401 without a token, and with a token that is not accepted; both with a Bearer challenge.
    const anonymous = await open.GET("/api/courts");
    expect(anonymous.response.headers.get("www-authenticate")).toBe('Bearer realm="courtflow"');
    const forged = await jsonClient("not.a.token").GET("/api/cases");
    expect(forged.response.headers.get("www-authenticate")).toBe(
      'Bearer realm="courtflow", error="invalid_token"',
    );

    // 400: readable messages, each naming its field.
    const badId = await admin.GET("/api/courts/{id}", { params: { path: { id: 0 } } });
    expect(badId.error?.error.details).toEqual([{ path: "param.id", message: "must be a positive integer" }]);
    const badAudit = await admin.GET("/api/audit", {
      // @ts-expect-error the generated client knows the vocabulary: `login` is not an action
      params: { query: { action: "login" } },
    });
    expect(badAudit.error?.error.details?.[0]?.path).toBe("query.action");
    expect(badAudit.error?.error.details?.[0]?.message).toStartWith(
      "must be one of: auth.login, auth.login_failed",
    );

    // 413 and 415 on a JSON body.
    const tooLarge = await admin.POST("/api/courts", {
      body: { code: "BIG", name: "x".repeat(3000), level: "trial" },
    });
    expect(tooLarge.error?.error.code).toBe("PAYLOAD_TOO_LARGE");
    const notJson = await admin.POST("/api/courts", {
      body: { code: "TXT", name: "Text", level: "trial" },
      bodySerializer: (b) => `${b.code} ${b.name}`,
      headers: { "Content-Type": "text/plain" },
    });
    expect(notJson.error?.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");

    // 429 on the login limit (4 a minute per email here), with Retry-After.
    const attempt = () =>
      open.POST("/api/auth/login", {
        body: { email: "nobody@imp.org", password: "whatever-it-is" },
        headers: fromNewIp(),
      });
    for (let i = 0; i < 4; i++) expect((await attempt()).error?.error.code).toBe("INVALID_CREDENTIALS");
    const limited = await attempt();
    expect(limited.error?.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.response.headers.get("retry-after"))).toBeGreaterThan(0);

    expect(problems).toEqual([]);
  });
});
