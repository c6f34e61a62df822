// Edge hardening: JSON bodies must be real UTF-8; every answer carries a Content-Security-Policy (the
// docs and the queue board their own); no authenticated answer may be kept by a cache, except the
// measures' private ETag revalidation. Walked over every route the app has, as an attacker would.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { judges } from "../../src/db/schema";
import { API_CSP, BOARD_CSP } from "../../src/lib/csp";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeCases, makeJudge, resetData, seedStandards } from "../helpers/case-data";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, expectError, login } from "../helpers/http";

const NO_STORE = "private, no-store";

describePgRedis("edge hardening", () => {
  let t: TestApp;
  let admin: string;
  let adminId: number;
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000", LOGIN_RATE_LIMIT_PER_MIN: "1000" } });
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    const tree = await makeCourtTree(db);
    ids.court = tree.d1.id;
    ids.judge = (await makeJudge(db, { code: "J1", courtId: tree.d1.id })).id;
    [ids.case] = (await makeCases(db, [
      { courtId: tree.d1.id, caseNumber: "CR-1", caseType: "felony", filedOn: "2024-01-10" },
    ])) as [number];
    adminId = (await makeUser(db, { email: "admin@example.test", role: "admin" })).id;
    await makeUser(db, { email: "leaver@example.test", role: "admin" });
    admin = (await login(t, "admin@example.test")).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  const postJudge = (body: Uint8Array | string) =>
    t.app.request("/api/judges", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body,
    });
  const judgeNamed = async (code: string) =>
    (await t.deps.db.db.select().from(judges).where(eq(judges.code, code)))[0]?.name;

  describe("JSON bodies are UTF-8 or refused", () => {
    test("an invalid byte is a 400 naming the body, and nothing is stored (it used to become U+FFFD)", async () => {
      const head = new TextEncoder().encode(`{"code":"J8","courtId":${ids.court},"name":"Ren`);
      const tail = new TextEncoder().encode(`e Dupont"}`);
      for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe9]]) {
        const res = await postJudge(new Uint8Array([...head, ...bad, ...tail]));
        expect([bad, res.status]).toEqual([bad, 400]);
        const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
        expect(body.error.code).toBe("VALIDATION_FAILED");
        expect(body.error.details.map((d) => d.path)).toEqual(["body"]);
      }
      expect(await judgeNamed("J8")).toBeUndefined();
    });

    test("a lone surrogate escape is refused too; paired escapes and real UTF-8 are stored exactly", async () => {
      const lone = await postJudge(`{"code":"J7","courtId":${ids.court},"name":"A \\ud800 B"}`);
      expect(lone.status).toBe(400);
      expect(((await lone.json()) as { error: { message: string } }).error.message).toContain("body");
      expect(await judgeNamed("J7")).toBeUndefined();

      const name = "Zoë Ångström 法官 😀";
      const ok = await postJudge(
        `{"code":"J6","courtId":${ids.court},"name":"Zoë Ångström 法官 \\ud83d\\ude00"}`,
      );
      expect(ok.status).toBe(201);
      expect(await judgeNamed("J6")).toBe(name);
    });

    test("malformed JSON still answers 400, and a login body is checked the same way", async () => {
      await expectError(await postJudge("{not json"), 400, "BAD_REQUEST");
      const res = await t.app.request("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: new Uint8Array([
          ...new TextEncoder().encode('{"email":"a@b.c","password":"x'),
          0xff,
          0x22,
          0x7d,
        ]),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path).toBe(
        "body",
      );
    });
  });

  describe("Content-Security-Policy", () => {
    test("JSON and CSV answers, errors included, allow nothing", async () => {
      for (const [path, token] of [
        ["/api/system/health", undefined],
        ["/api/courts", admin],
        ["/api/courts?format=csv", admin],
        ["/api/nowhere", undefined],
        ["/api/courts", undefined],
      ] as const) {
        const res = await call(t, "GET", path, { token });
        expect([path, res.headers.get("content-security-policy")]).toEqual([path, API_CSP]);
      }
      expect(API_CSP).toContain("default-src 'none'");
      expect(API_CSP).toContain("frame-ancestors 'none'");
    });

    test("/api/docs: scripts only from here or with this page's nonce; no eval, no other origin", async () => {
      const nonces: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await t.app.request("/api/docs");
        expect(res.status).toBe(200);
        const csp = res.headers.get("content-security-policy")!;
        const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
        expect(nonce).toBeDefined();
        nonces.push(nonce!);
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("connect-src 'self'");
        expect(csp).not.toContain("unsafe-eval");
        expect(csp).not.toMatch(/https?:/);
        const html = await res.text();
        // Every inline script carries the nonce; the bundle is ours.
        const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
        expect(scripts.length).toBeGreaterThanOrEqual(2);
        for (const attrs of scripts) {
          expect(attrs.includes(`nonce="${nonce}"`) || attrs.includes('src="/api/docs/scalar.js"')).toBe(
            true,
          );
        }
        expect(html).toContain("__zod_globalConfig = { jitless: true }");
        expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"'\s]*\.(js|css|woff2?)/);
      }
      expect(nonces[0]).not.toBe(nonces[1]);
    });

    test("/admin/queues: the board's policy on its page, assets and API; its Google Fonts link is gone", async () => {
      const page = await t.app.request("/admin/queues", { headers: { authorization: `Bearer ${admin}` } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toBe(BOARD_CSP);
      const html = await page.text();
      expect(html).toContain("CourtFlow queues");
      expect(html).not.toContain("googleapis");
      const asset = /src="(static\/js\/[^"]+\.js)"/.exec(html)![1]!;
      for (const path of [`/admin/queues/${asset}`, "/admin/queues/api/queues"]) {
        const res = await t.app.request(path, { headers: { authorization: `Bearer ${admin}` } });
        expect([path, res.status]).toEqual([path, 200]);
        expect(res.headers.get("content-security-policy")).toBe(BOARD_CSP);
      }
    });
  });

  describe("Cache-Control", () => {
    /** A route's path with its parameters filled: real ids for reads, absent ones for writes. */
    function concrete(method: string, path: string): string {
      const real = method === "GET";
      return path
        .replace(/\/users\/:id/, `/users/${real ? adminId : 999999}`)
        .replace(/\/courts\/:id/, `/courts/${real ? ids.court : 999999}`)
        .replace(/\/judges\/:id/, `/judges/${real ? ids.judge : 999999}`)
        .replace(/\/cases\/:id/, `/cases/${real ? ids.case : 999999}`)
        .replace(":caseType", "felony")
        .replace(/:[A-Za-z]+/g, "999999");
    }

    const OPEN = new Set([
      "GET /",
      "GET /api",
      "POST /api/auth/login",
      "POST /api/auth/refresh",
      "GET /api/openapi.json",
      "GET /api/docs",
      "GET /api/docs/scalar.js",
    ]);

    test("every authenticated route, every method, JSON and CSV: private and never stored (measures: ETag)", async () => {
      const routes = [
        ...new Set(
          t.app.routes
            .filter((r) => r.method !== "ALL" && !r.path.startsWith("/api/system/health"))
            // The dashboard's page and assets are public files (its own tests check their headers).
            .filter((r) => !r.path.startsWith("/dashboard"))
            .filter((r) => !["/api/system/metrics", "/api/system/version"].includes(r.path))
            .map((r) => `${r.method} ${r.path}`),
        ),
      ].filter((r) => !OPEN.has(r));
      expect(routes.length).toBeGreaterThan(40);
      const doc = (await (await t.app.request("/api/openapi.json")).json()) as {
        paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      };
      const csvPaths = new Set(
        Object.entries(doc.paths).flatMap(([p, ops]) =>
          ops.get?.parameters?.some((x) => x.name === "format") ? [p.replace(/\{(\w+)\}/g, ":$1")] : [],
        ),
      );
      expect(csvPaths.size).toBeGreaterThan(10);

      const seen: string[] = [];
      for (const route of routes) {
        const [method, template] = route.split(" ") as [string, string];
        const path = concrete(method, template);
        const body = method === "GET" || method === "DELETE" ? undefined : {};
        // Ending sessions (logout-all ends every one of the user's) is done by another user.
        const token = /\/logout/.test(path) ? (await login(t, "leaver@example.test")).accessToken : admin;

        const anonymous = await call(t, method, path, { body });
        expect([route, anonymous.status]).toEqual([route, 401]);
        expect([route, anonymous.headers.get("cache-control")]).toEqual([route, NO_STORE]);

        const variants = method === "GET" && csvPaths.has(template) ? ["", "?format=csv"] : [""];
        for (const q of variants) {
          const res = await call(t, method, `${path}${q}`, { token, body });
          expect([route + q, res.status < 500]).toEqual([route + q, true]);
          if (q && res.status === 200) {
            expect([route + q, res.headers.get("content-type")]).toEqual([
              route + q,
              "text/csv; charset=utf-8",
            ]);
          }
          const measure = template.startsWith("/api/measures/") && res.status === 200;
          const expected = measure ? "private, no-cache" : NO_STORE;
          expect([route + q, res.status, res.headers.get("cache-control")]).toEqual([
            route + q,
            res.status,
            expected,
          ]);
          if (measure) {
            const etag = res.headers.get("etag")!;
            expect(etag).toMatch(/^"/);
            const again = await call(t, "GET", `${path}${q}`, { token, headers: { "if-none-match": etag } });
            expect([route + q, again.status, again.headers.get("cache-control")]).toEqual([
              route + q,
              304,
              "private, no-cache",
            ]);
          }
          seen.push(`${route}${q} ${res.status}`);
        }
      }
      // The reads really answered (not just errors), CSV included.
      expect(seen).toContain("GET /api/cases/:id 200");
      expect(seen).toContain("GET /api/judges?format=csv 200");
      expect(seen).toContain("GET /api/measures/summary?format=csv 200");
      expect(seen).toContain("GET /api/users/:id 200");
      expect(seen.filter((s) => s.startsWith("GET ") && s.endsWith(" 200")).length).toBeGreaterThan(30);

      // bull-board's page, assets and API, reached with an admin's bearer token.
      for (const path of ["/admin/queues", "/admin/queues/api/queues"]) {
        const res = await call(t, "GET", path, { token: admin });
        expect([path, res.status, res.headers.get("cache-control")]).toEqual([path, 200, NO_STORE]);
      }
    }, 120_000);
  });
});
