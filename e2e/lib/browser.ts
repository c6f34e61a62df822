import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

// Debian's Chromium (apt-get install chromium) driven by playwright-core: no browser download. Every
// launch gets a fresh profile directory (a persistent context over it: Playwright takes the profile as
// launchPersistentContext's argument, not as --user-data-dir), removed on close.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface BrowserHandle {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(base: string): Promise<BrowserHandle> {
  const profile = mkdtempSync(join(tmpdir(), "courtflow-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    baseURL: base,
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
    locale: "en-US",
    timezoneId: "UTC",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Console errors, page errors and failed requests of a page, for the "no console errors" checks. */
export interface PageProblems {
  list: string[];
  /** Forget problems matching `pattern` (a request the test made fail on purpose). */
  allow(pattern: RegExp): void;
}

export function watchProblems(page: Page): PageProblems {
  const list: string[] = [];
  const allowed: RegExp[] = [];
  const add = (s: string) => {
    if (!allowed.some((re) => re.test(s))) list.push(s);
  };
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") add(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => add(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => {
    // Downloads of blob: URLs and aborted polls on navigation are not failures of the page.
    if (r.url().startsWith("blob:") || r.failure()?.errorText === "net::ERR_ABORTED") return;
    add(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  return {
    list,
    allow(pattern) {
      allowed.push(pattern);
      for (let i = list.length - 1; i >= 0; i--) if (pattern.test(list[i]!)) list.splice(i, 1);
    },
  };
}
