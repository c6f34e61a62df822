// The two HTML pages the API serves, opened in headless Chromium under their Content-Security-Policy:
// the Scalar API reference (/api/docs) and bull-board (/admin/queues) must render and work, and the
// browser must report no policy violation and no request to another origin.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { type RunningServer, startServer } from "../src/server";
import { createTestApp, type TestApp } from "../test/helpers/app";
import { resetDb, resetRedis } from "../test/helpers/db";
import { makeUser } from "../test/helpers/factories";
import { describePgRedis } from "../test/helpers/guards";
import { login } from "../test/helpers/http";
import { IN_CI } from "../test/helpers/services";

const CHROMIUM = process.env.CHROMIUM_PATH ?? Bun.which("chromium") ?? Bun.which("chromium-browser");
if (!CHROMIUM && IN_CI) throw new Error("chromium is required in CI (.ci/run installs it)");
const describeBrowser = CHROMIUM ? describePgRedis : describe.skip;

interface Watch {
  violations: string[];
  errors: string[];
  foreign: string[];
  /** Answers of 400 and above (the browser's own /favicon.ico probe aside). */
  failed: string[];
}

/** Everything the page does that the policy or the origin rule forbids. */
async function watch(page: Page, origin: string): Promise<Watch> {
  const w: Watch = { violations: [], errors: [], foreign: [], failed: [] };
  await page.exposeFunction("__cspViolation", (v: string) => w.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation(v: string): void }).__cspViolation(
        `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  page.on("console", (m) => {
    // A failed load is reported again as a response below, where the favicon can be told apart.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) w.errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname !== "/favicon.ico")
      w.failed.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (e) => w.errors.push(String(e)));
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) w.foreign.push(url);
  });
  return w;
}

describeBrowser("HTML pages under their CSP in Chromium", () => {
  let t: TestApp;
  let running: RunningServer;
  let browser: Browser;
  let origin: string;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis as never);
    await makeUser(t.deps.db.db, { email: "admin@example.test", role: "admin" });
    token = (await login(t, "admin@example.test")).accessToken;
    running = startServer(t.app, { ...t.deps, close: async () => {} }, { port: 0 });
    origin = `http://127.0.0.1:${running.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.shutdown("test");
    await t?.close();
  });

  test("/api/docs: Scalar renders the operations, and its client calls this API", async () => {
    const page = await browser.newPage();
    const w = await watch(page, origin);
    const res = await page.goto(`${origin}/api/docs`);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self' 'nonce-");
    await page.getByText("Log in with email and password").first().waitFor({ timeout: 30_000 });
    // Scripts run: a collapsed group opens on click.
    await page.getByText("Open Group - judges").first().click();
    await page.getByText("Create a judge").first().waitFor({ timeout: 10_000 });
    // The reference fetched its document from here.
    expect(await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name))).toContain(
      `${origin}/api/openapi.json`,
    );
    // And a request from the page's origin to the API is allowed by connect-src.
    const status = await page.evaluate(
      async ([t]) => (await fetch("/api/auth/me", { headers: { authorization: `Bearer ${t}` } })).status,
      [token],
    );
    expect(status).toBe(200);
    expect(w).toEqual({ violations: [], errors: [], foreign: [], failed: [] });
    await page.close();
  }, 60_000);

  test("/admin/queues: bull-board renders its queues with the board cookie", async () => {
    const session = await fetch(`${origin}/api/system/queues/board-session`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(session.status).toBe(200);
    const cookie = session.headers.get("set-cookie")!.split(";")[0]!;
    const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
    const context = await browser.newContext();
    await context.addCookies([{ name, value, url: `${origin}/admin/queues` }]);
    const page = await context.newPage();
    const w = await watch(page, origin);
    const res = await page.goto(`${origin}/admin/queues`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    // The queues the API produces to, listed by the React app from its own API.
    await page.getByText("imports", { exact: false }).first().waitFor({ timeout: 30_000 });
    expect(w).toEqual({ violations: [], errors: [], foreign: [], failed: [] });
    await context.close();
  }, 60_000);
});
