// `bun run docs:screenshots`: the overview, a drill-down and the imports page of a fresh embedded-mode
// API (PGlite with the demo data, as `bun run dev` starts), as PNGs in docs/ for docs/dashboard.md.
import { join } from "node:path";
import { ROOT } from "../test/helpers/process";
import { launchChromium } from "./lib/browser";
import { signIn } from "./lib/page";
import { LOGINS, startApi } from "./lib/server";

const api = await startApi("embedded");
const browser = await launchChromium(api.base);
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const shot = async (name: string) => {
    const path = join(ROOT, "docs", name);
    await page.screenshot({ path, fullPage: true });
    console.log(`docs/${name}`);
  };

  await signIn(page, LOGINS.admin);
  await page.locator('[data-measure="judge-workload"] tbody tr').first().waitFor();
  await page.locator('[data-measure="pending-age"] canvas').waitFor();
  await shot("dashboard-overview.png");

  const card = page.locator('[data-measure="pending-age"]');
  await card.getByRole("button", { name: "Show table" }).click();
  await card.getByRole("link", { name: "Cases aged 366+ days" }).click();
  await page.locator('[data-testid="case-table"] tbody tr a').first().waitFor();
  await page.selectOption("select[name=sort]", "-ageDays");
  await page.waitForURL(/sort=-ageDays/);
  await page.waitForTimeout(500);
  await shot("dashboard-drill-down.png");

  await page.getByRole("link", { name: "Imports" }).click();
  await page.setInputFiles("input[name=cases]", {
    name: "cases.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(
      [
        "court_code,case_number,case_type,filed_on,status,status_on,judge_code,disposed_on,disposition",
        "D01,DOC-0001,felony,2026-01-05,active,,,,",
        "D01,DOC-0002,misdemeanor,2026-02-10,disposed,2026-03-01,,2026-03-01,plea",
        "XX9,DOC-0003,felony,2026-01-05,active,,,,",
        "D01,DOC-0004,felony,2026-02-30,active,,,,",
        "",
      ].join("\n"),
    ),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await page
    .locator('[data-testid="batch"][data-status="completed_with_errors"]')
    .waitFor({ timeout: 90_000 });
  await page.locator('[data-testid="row-errors"] tbody tr').nth(1).waitFor();
  await shot("dashboard-imports.png");
} finally {
  await browser.close();
  await api.stop();
}
