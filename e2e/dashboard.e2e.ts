import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { formatCount, formatDays, formatRate } from "../dashboard/src/format";
import { type BrowserHandle, launchChromium, type PageProblems, watchProblems } from "./lib/browser";
import {
  chartValues,
  heapSnapshotText,
  kpisOnPage,
  settle,
  signIn,
  tabThrough,
  tabTo,
  unreachedControls,
} from "./lib/page";
import { apiGet, apiLogin, crashLines, LOGINS, type Mode, type RunningApi, startApi } from "./lib/server";

// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real API
// process, once in embedded mode (PGlite, demo data, jobs in the API process) and once in services
// mode (PostgreSQL, Redis and a worker process). Each test opens its own page and signs in: tokens
// live in the page's memory only, so pages share nothing.

interface Kpi {
  value: number | null;
  previous: number | null;
  change: number | null;
}
type Summary = Record<
  "clearanceRate" | "activePending" | "backlogRate" | "medianDaysToDisposition" | "within90TierRate",
  Kpi
>;
interface TreeNode {
  id: number;
  code: string;
  name: string;
  children: TreeNode[];
}

const FORMAT: Record<keyof Summary, (n: number | null) => string> = {
  clearanceRate: formatRate,
  activePending: formatCount,
  backlogRate: formatRate,
  medianDaysToDisposition: formatDays,
  within90TierRate: formatRate,
};

/** What the KPI cards must show for a summary answer: the raw figures and their text. */
function expectedKpis(s: Summary) {
  return Object.fromEntries(
    (Object.keys(FORMAT) as (keyof Summary)[]).map((k) => [
      k,
      {
        value: String(s[k].value),
        previous: String(s[k].previous),
        change: String(s[k].change),
        text: FORMAT[k](s[k].value),
      },
    ]),
  );
}

function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

for (const mode of ["embedded", "services"] as Mode[]) {
  describe(`dashboard in ${mode} mode`, () => {
    let api: RunningApi;
    let browser: BrowserHandle;
    let adminToken: string;
    const open: { page: Page; problems: PageProblems }[] = [];

    async function newPage(): Promise<{ page: Page; problems: PageProblems }> {
      const page = await browser.context.newPage();
      const entry = { page, problems: watchProblems(page) };
      open.push(entry);
      return entry;
    }

    async function summary(query: string): Promise<Summary> {
      return apiGet<Summary>(api.base, adminToken, `/api/measures/summary${query ? `?${query}` : ""}`);
    }

    async function kpisMatch(page: Page, query: string) {
      const want = expectedKpis(await summary(query));
      const got = await settle(
        () => kpisOnPage(page),
        (k) => JSON.stringify(k) === JSON.stringify(want),
      );
      expect(got).toEqual(want);
    }

    beforeAll(async () => {
      const started = performance.now();
      api = await startApi(mode);
      console.log(
        `${mode}: API ready with its data in ${Math.round((performance.now() - started) / 1000)} s`,
      );
      browser = await launchChromium(api.base);
      adminToken = (await apiLogin(api.base, LOGINS.admin)).accessToken;
    }, 360_000);

    afterAll(async () => {
      await browser?.close();
      const output = api?.output() ?? "";
      await api?.stop();
      expect(crashLines(output)).toEqual([]);
    }, 60_000);

    async function closeClean(entry: { page: Page; problems: PageProblems }) {
      await entry.page.close();
      expect(entry.problems.list).toEqual([]);
    }

    test("sign in; the KPI cards equal GET /api/measures/summary, also under filters kept in the URL", async () => {
      const entry = await newPage();
      const { page } = entry;
      await signIn(page, LOGINS.admin);
      await kpisMatch(page, "");

      await page.selectOption("select[name=caseType]", "felony");
      await page.waitForURL(/caseType=felony/);
      await kpisMatch(page, "caseType=felony");

      const from = daysAgo(200);
      await page.fill("input[name=from]", from);
      await page.waitForURL(new RegExp(`from=${from}`));
      await kpisMatch(page, `caseType=felony&from=${from}`);
      expect(await page.getByTestId("freshness").textContent()).toContain(`Period ${from} to`);
      await closeClean(entry);
    });

    test("changing the court filter changes the charts; a shared URL opens the same view", async () => {
      const entry = await newPage();
      const { page } = entry;
      await signIn(page, LOGINS.admin);
      await kpisMatch(page, "");
      const before = {
        clearance: await chartValues(page, "clearance"),
        pendingAge: await chartValues(page, "pending-age"),
      };
      const tree = await apiGet<{ data: TreeNode[] }>(api.base, adminToken, "/api/courts/tree");
      const d01 = flatten(tree.data).find((c) => c.code === "D01")!;

      await page.selectOption("select[name=court]", String(d01.id));
      await page.waitForURL(new RegExp(`court=${d01.id}`));
      await kpisMatch(page, `courtId=${d01.id}`);
      const pending = await apiGet<{ buckets: { count: number }[] }>(
        api.base,
        adminToken,
        `/api/measures/pending-age?courtId=${d01.id}`,
      );
      const want = JSON.stringify([pending.buckets.map((b) => b.count)]);
      expect(
        await settle(
          () => chartValues(page, "pending-age"),
          (v) => v === want,
        ),
      ).toBe(want);
      expect(want).not.toBe(before.pendingAge);
      expect(await chartValues(page, "clearance")).not.toBe(before.clearance);

      // The URL is the view: another page signs in on it and shows the same court's figures.
      const url = page.url();
      await closeClean(entry);
      const other = await newPage();
      await signIn(other.page, LOGINS.admin, url);
      // The court list arrives with the tree; the select shows the URL's court once it has it.
      const selected = () => other.page.inputValue("select[name=court]");
      expect(await settle(selected, (v) => v === String(d01.id))).toBe(String(d01.id));
      await kpisMatch(other.page, `courtId=${d01.id}`);
      await closeClean(other);
    });

    test("drill-down: an age bucket to its cases (keyset pages, sort, CSV) and a case to its timeline", async () => {
      const entry = await newPage();
      const { page } = entry;
      await signIn(page, LOGINS.admin);
      const card = page.locator('[data-measure="pending-age"]');
      await card.locator("canvas").waitFor();

      // A chart's CSV is the API's CSV variant of the same measure.
      const [csv] = await Promise.all([
        page.waitForEvent("download"),
        card.getByRole("button", { name: "Download CSV" }).click(),
      ]);
      expect(csv.suggestedFilename()).toBe("pending-age.csv");
      expect(readFileSync((await csv.path())!, "utf8").split("\n")[0]).toContain("active_pending");

      await card.getByRole("button", { name: "Show table" }).click();
      await card.getByRole("link", { name: "Cases aged 31-60 days" }).click();
      await page.waitForURL(/\/dashboard\/cases\?.*minAge=31/);
      const rows = page.locator('[data-testid="case-table"] tbody tr');
      await rows.first().locator("a").waitFor();
      const ages = (await rows.locator("td:nth-child(7)").allTextContents()).map(Number);
      expect(ages.length).toBeGreaterThan(0);
      for (const age of ages) expect(age >= 31 && age <= 60).toBe(true);
      expect(await page.getByTestId("drill").textContent()).toContain("aged 31–60 days");

      // Sort and keyset paging.
      await page.selectOption("select[name=sort]", "-ageDays");
      await page.waitForURL(/sort=-ageDays/);
      const sorted = await settle(
        async () => (await rows.locator("td:nth-child(7)").allTextContents()).map(Number),
        (a) => a.length > 1 && a.every((v, i) => i === 0 || a[i - 1]! >= v),
      );
      expect(sorted.every((v, i) => i === 0 || sorted[i - 1]! >= v)).toBe(true);
      if (await page.getByRole("button", { name: "Next page" }).isEnabled()) {
        const firstPage = await rows.locator("td:first-child").allTextContents();
        await page.getByRole("button", { name: "Next page" }).click();
        await page.getByText("Page 2").waitFor();
        const secondPage = await settle(
          () => rows.locator("td:first-child").allTextContents(),
          (p) => p[0] !== firstPage[0],
        );
        expect(secondPage.filter((n) => firstPage.includes(n))).toEqual([]);
        await page.getByRole("button", { name: "Previous page" }).click();
        await page.getByText("Page 1").waitFor();
      }

      const [export_] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export all as CSV" }).click(),
      ]);
      const lines = readFileSync((await export_.path())!, "utf8")
        .trim()
        .split("\n");
      expect(lines[0]).toContain("case_number");
      expect(lines.length - 1).toBeGreaterThanOrEqual(ages.length);

      const caseNumber = (await rows.first().locator("a").textContent())!;
      await rows.first().locator("a").click();
      await page.getByRole("heading", { name: `Case ${caseNumber}` }).waitFor();
      const events = page.locator('[data-testid="timeline"] tbody tr');
      await events.first().waitFor();
      expect(await events.first().locator("td:nth-child(2)").textContent()).toBe("filed");
      await closeClean(entry);
    });

    test("a viewer of one court never sees another court's name", async () => {
      const tree = await apiGet<{ data: TreeNode[] }>(api.base, adminToken, "/api/courts/tree");
      const viewer = await apiLogin(api.base, LOGINS.viewer);
      const visible = flatten(
        (await apiGet<{ data: TreeNode[] }>(api.base, viewer.accessToken, "/api/courts/tree")).data,
      );
      const hidden = flatten(tree.data).filter((c) => !visible.some((v) => v.id === c.id));
      expect(visible.length).toBeGreaterThan(0);
      expect(hidden.length).toBeGreaterThan(0);

      const entry = await newPage();
      const { page } = entry;
      const leaks = async (where: string) => {
        const html = await page.content();
        return hidden.filter((c) => html.includes(c.name)).map((c) => `${where}: ${c.name}`);
      };
      await signIn(page, LOGINS.viewer);
      await page.locator('[data-measure="judge-workload"] tbody tr').first().waitFor();
      await page.locator("[data-kpi]").first().waitFor();
      const found = await leaks("overview");
      expect(await page.locator("select[name=court] option").allTextContents()).toEqual([
        "All my courts",
        ...visible.map((c) => expect.stringContaining(`${c.name} (${c.code})`)),
      ]);

      await page.getByRole("link", { name: "Cases", exact: true }).click();
      await page.locator('[data-testid="case-table"] tbody tr a').first().waitFor();
      found.push(...(await leaks("cases")));
      await page.locator('[data-testid="case-table"] tbody tr a').first().click();
      await page.locator('[data-testid="timeline"] tbody tr').first().waitFor();
      found.push(...(await leaks("case")));
      expect(found).toEqual([]);
      await closeClean(entry);
    });

    test("an import uploaded through the page completes, shows its row errors, and retries", async () => {
      const entry = await newPage();
      const { page } = entry;
      await signIn(page, LOGINS.admin);
      await page.getByRole("link", { name: "Imports" }).click();
      const tag = `E2E${mode.slice(0, 3).toUpperCase()}${Date.now().toString(36)}`;
      const cases = [
        "court_code,case_number,case_type,filed_on,status,status_on,judge_code,disposed_on,disposition",
        `D01,${tag}-1,felony,${daysAgo(120)},active,,,,`,
        `D01,${tag}-2,misdemeanor,${daysAgo(90)},disposed,${daysAgo(30)},,${daysAgo(30)},plea`,
        `NOPE,${tag}-3,felony,${daysAgo(80)},active,,,,`,
        `D01,${tag}-4,felony,2026-13-45,active,,,,`,
        `D01,${tag}-5,traffic,${daysAgo(10)},active,,,,`,
      ].join("\n");
      await page.setInputFiles("input[name=cases]", {
        name: "cases.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(`${cases}\n`),
      });
      await page.fill("input[name=source]", "e2e");
      await page.getByRole("button", { name: "Upload" }).click();
      await page.waitForURL(/\/dashboard\/imports\/\d+$/);
      const batch = page.getByTestId("batch");
      await page
        .locator('[data-testid="batch"][data-status="completed_with_errors"]')
        .waitFor({ timeout: 90_000 });
      const errors = page.locator('[data-testid="row-errors"] tbody tr');
      await errors.nth(1).waitFor();
      const rows = await errors.evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
      );
      expect(rows).toEqual([
        ["cases.csv", "4", "court_code", 'unknown court code "NOPE"'],
        ["cases.csv", "5", "filed_on", expect.stringContaining("2026-13-45")],
      ]);
      expect(await batch.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
        "cases.csv",
        "5",
        "3",
        "0",
        "0",
        "2",
      ]);

      await page.getByRole("button", { name: "Retry this batch" }).click();
      await batch.getByText("run 2").waitFor({ timeout: 90_000 });
      await page
        .locator('[data-testid="batch"][data-status="completed_with_errors"]')
        .waitFor({ timeout: 90_000 });
      expect(await errors.count()).toBe(2);
      expect(await page.getByTestId("freshness").textContent()).toContain("pending caseload as of");
      await closeClean(entry);
    });

    test("keyboard only: sign in, then every control of the overview, cases and imports is reachable", async () => {
      const entry = await newPage();
      const { page } = entry;
      await page.goto("/dashboard");
      await page.getByLabel("Email").waitFor();
      await page.keyboard.press("Tab");
      await page.keyboard.type(LOGINS.admin.email);
      await page.keyboard.press("Tab");
      await page.keyboard.type(LOGINS.admin.password);
      await page.keyboard.press("Enter");
      await page.locator('[data-measure="judge-workload"] tbody tr a').first().waitFor();

      const reached: Record<string, number> = {};
      reached.overview = await tabThrough(page);
      expect(await unreachedControls(page)).toEqual([]);

      // The key figures' table view, by keyboard (the first "Show table" on the page).
      await tabTo(page, (d) => d.tag === "button" && d.text === "Show table");
      await page.keyboard.press("Enter");
      await page.locator('[data-measure="summary"] table').waitFor();
      await tabThrough(page);
      expect(await unreachedControls(page)).toEqual([]);

      await tabTo(page, (d) => d.tag === "a" && d.text === "Cases");
      await page.keyboard.press("Enter");
      await page.locator('[data-testid="case-table"] tbody tr a').first().waitFor();
      reached.cases = await tabThrough(page);
      expect(await unreachedControls(page)).toEqual([]);

      await tabTo(page, (d) => d.tag === "a" && d.text === "Imports");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Recent batches" }).waitFor();
      reached.imports = await tabThrough(page);
      expect(await unreachedControls(page)).toEqual([]);
      expect(reached.overview).toBeGreaterThan(30);
      await closeClean(entry);
    });

    test("a failed call refreshes the token and retries; a revoked session returns to sign-in with a message", async () => {
      const entry = await newPage();
      const { page, problems } = entry;
      await signIn(page, LOGINS.analyst);
      await kpisMatch(page, "");

      // One 401 (as after the access token expired): the page refreshes the pair and asks again.
      let failed = 0;
      await page.route("**/api/measures/summary?*", (route) => {
        if (failed++ > 0) return route.continue();
        return route.fulfill({
          status: 401,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "UNAUTHENTICATED", message: "expired", requestId: "e2e" } }),
        });
      });
      const refreshed = page.waitForResponse(
        (r) => r.url().endsWith("/api/auth/refresh") && r.status() === 200,
      );
      await page.selectOption("select[name=caseType]", "traffic");
      await refreshed;
      await kpisMatch(page, "caseType=traffic");
      await page.unroute("**/api/measures/summary?*");

      // Every session of the user revoked elsewhere: the next call's refresh fails, and the page says so.
      const other = await apiLogin(api.base, LOGINS.analyst);
      const res = await fetch(`${api.base}/api/auth/logout-all`, {
        method: "POST",
        headers: { authorization: `Bearer ${other.accessToken}` },
      });
      expect(res.status).toBe(200);
      await page.selectOption("select[name=caseType]", "felony");
      await page.getByText("Your session has ended. Please sign in again.").waitFor();
      await page.getByLabel("Email").waitFor();
      problems.allow(/status of 401/);
      await closeClean(entry);
    });

    test("sign out clears everything: no token in the page, its storage or its memory, and the tokens are dead", async () => {
      const entry = await newPage();
      const { page } = entry;
      const login = page.waitForResponse((r) => r.url().endsWith("/api/auth/login"));
      await signIn(page, LOGINS.admin);
      const { accessToken, refreshToken } = (await (await login).json()) as {
        accessToken: string;
        refreshToken: string;
      };
      await page.locator("[data-kpi]").first().waitFor();
      await page.getByRole("link", { name: "Operations" }).click();
      await page.getByTestId("health-status").waitFor();

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Email").waitFor();
      const stored = await page.evaluate(() => ({
        local: localStorage.length,
        session: sessionStorage.length,
        cookie: document.cookie,
      }));
      expect(stored).toEqual({ local: 0, session: 0, cookie: "" });
      const html = await page.content();
      expect(html.includes(accessToken) || html.includes(refreshToken)).toBe(false);
      expect(html).not.toContain("Dev Admin");
      const heap = await heapSnapshotText(page);
      expect(heap.length).toBeGreaterThan(100_000);
      expect({ access: heap.includes(accessToken), refresh: heap.includes(refreshToken) }).toEqual({
        access: false,
        refresh: false,
      });

      const me = await fetch(`${api.base}/api/auth/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(me.status).toBe(401);
      const again = await fetch(`${api.base}/api/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken }),
      });
      expect(again.status).toBe(401);
      await closeClean(entry);
    });

    test("operators: health, queue counts, and the way to the queue board and the API reference", async () => {
      const entry = await newPage();
      const { page } = entry;
      await signIn(page, LOGINS.admin);
      await page.getByRole("link", { name: "Operations" }).click();
      const health = (await (await fetch(`${api.base}/api/system/health`)).json()) as { status: string };
      expect(await page.getByTestId("health-status").textContent()).toBe(health.status);
      expect(await page.getByRole("link", { name: "API reference" }).getAttribute("href")).toBe("/api/docs");
      if (mode === "services") {
        await page.getByTestId("queues").waitFor();
        const href = await page.getByRole("link", { name: "Open the queue board" }).getAttribute("href");
        expect(href).toBe("/admin/queues");
        // The board session is a cookie of this browser: the board opens without a token.
        const board = await page.context().request.get(`${api.base}${href}`);
        expect(board.status()).toBe(200);
      } else {
        await page.getByText("Embedded mode: jobs run inside the API process").waitFor();
      }
      // Viewers have no operations or imports pages.
      await page.getByRole("button", { name: "Sign out" }).click();
      await signIn(page, LOGINS.viewer);
      expect(await page.getByRole("link", { name: "Operations" }).count()).toBe(0);
      expect(await page.getByRole("link", { name: "Imports" }).count()).toBe(0);
      await closeClean(entry);
    });
  });
}
