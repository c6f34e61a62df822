import { afterAll, beforeAll, expect, test } from "bun:test";
import { gunzipSync } from "bun";
import { API_CSP } from "../../src/lib/csp";
import { DASHBOARD_CSP } from "../../src/modules/dashboard/dashboard.headers";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";

// /dashboard: the page, its hashed assets and their headers; DASHBOARD_ENABLED=false; and that the
// dashboard adds no middleware in front of the API's routes.

/** The budget docs/dashboard.md states: every asset of the page, gzipped. */
const BUNDLE_BUDGET_GZIP_BYTES = 300 * 1024;

describePgRedis("dashboard routes", () => {
  let on: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    on = await createTestApp({ redis: "memory" });
    off = await createTestApp({ redis: "memory", env: { DASHBOARD_ENABLED: "false" } });
  });
  afterAll(async () => {
    await on.close();
    await off.close();
  });

  const assetsOf = (html: string) =>
    [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!);

  test("the page: no-cache, a CSP that allows nothing external, hashed assets, no inline script or style", async () => {
    const res = await on.app.request("/dashboard");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
    ])
      expect(DASHBOARD_CSP).toContain(directive);
    expect(DASHBOARD_CSP).not.toMatch(/https?:|unsafe-inline|unsafe-eval|\*/);
    // The shared security headers of the request edge still apply.
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/https?:\/\//);
    const assets = assetsOf(html);
    expect(assets.map((a) => a.replace(/-[a-z0-9]{8}\./, "-HASH."))).toEqual([
      "/dashboard/assets/main-HASH.css",
      "/dashboard/assets/main-HASH.js",
    ]);

    // Client-side pages are the same document; the ETag revalidates it.
    const deep = await on.app.request("/dashboard/cases/42?court=3");
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);
    const etag = res.headers.get("etag")!;
    const again = await on.app.request("/dashboard", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  test("assets: long-lived cache, gzip when accepted, the whole bundle within its budget", async () => {
    const assets = assetsOf(await (await on.app.request("/dashboard")).text());
    let gzipped = 0;
    for (const path of assets) {
      const plain = await on.app.request(path);
      expect(plain.status).toBe(200);
      expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(plain.headers.get("content-type")).toMatch(
        path.endsWith(".js") ? /^text\/javascript/ : /^text\/css/,
      );
      expect(plain.headers.get("vary")).toBe("Accept-Encoding");
      const body = new Uint8Array(await plain.arrayBuffer());

      const packed = await on.app.request(path, { headers: { "accept-encoding": "gzip, br" } });
      expect(packed.headers.get("content-encoding")).toBe("gzip");
      const gz = new Uint8Array(await packed.arrayBuffer());
      expect(gunzipSync(gz)).toEqual(body);
      gzipped += gz.byteLength;
    }
    expect(gzipped).toBeLessThan(BUNDLE_BUDGET_GZIP_BYTES);
    // No absolute URL besides XML namespaces and the libraries' homepages in their licence comments:
    // a CDN or a web font in the bundle would show up here.
    const js = await (await on.app.request(assets.find((a) => a.endsWith(".js"))!)).text();
    const hosts = new Set([...js.matchAll(/https?:\/\/([a-z0-9.-]+)/gi)].map((m) => m[1]!));
    expect([...hosts].sort()).toEqual(["github.com", "www.chartjs.org", "www.w3.org"]);

    const missing = await on.app.request("/dashboard/assets/main-00000000.js");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  test("DASHBOARD_ENABLED=false: /dashboard is a 404 like any unknown path", async () => {
    for (const path of ["/dashboard", "/dashboard/cases", "/dashboard/assets/main-00000000.js"]) {
      const res = await off.app.request(path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
  });

  test("the API's routes get no extra middleware and none of the dashboard's headers", async () => {
    const middleware = (t: TestApp) => t.app.routes.filter((r) => r.method === "ALL").map((r) => r.path);
    expect(middleware(on)).toEqual(middleware(off));
    const api = await on.app.request("/api/system/health/live");
    expect(api.status).toBe(200);
    // The API's own policy (nothing may load), not the dashboard page's.
    expect(api.headers.get("content-security-policy")).toBe(API_CSP);
  });
});
