import type { Page } from "playwright-core";

// What the tests read from and do on the dashboard's pages.

export interface KpiOnPage {
  value: string;
  previous: string;
  change: string;
  text: string;
}

export async function signIn(page: Page, who: { email: string; password: string }, path = "/dashboard") {
  await page.goto(path);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export function kpisOnPage(page: Page): Promise<Record<string, KpiOnPage>> {
  return page.evaluate(() => {
    const out: Record<string, { value: string; previous: string; change: string; text: string }> = {};
    for (const el of document.querySelectorAll<HTMLElement>("[data-kpi]")) {
      out[el.dataset.kpi!] = {
        value: el.dataset.value!,
        previous: el.dataset.previous!,
        change: el.dataset.change!,
        text: el.querySelector(".kpi-value")?.textContent ?? "",
      };
    }
    return out;
  });
}

/** The numbers a chart was drawn from (its canvas's data-values). */
export function chartValues(page: Page, measure: string): Promise<string | null> {
  return page.locator(`[data-measure="${measure}"] canvas`).first().getAttribute("data-values");
}

/** Polls `read` until `done` holds (or the time is up), then returns the last value read. */
export async function settle<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  while (!done(v) && Date.now() < deadline) {
    await Bun.sleep(150);
    v = await read();
  }
  return v;
}

const CONTROLS =
  "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [tabindex]:not([tabindex='-1'])";

/**
 * Puts the sequential-focus starting point at the top of the document, as a freshly loaded page has
 * it (a test harness step, not navigation: the next Tab reaches the page's first control).
 */
async function focusTop(page: Page): Promise<void> {
  await page.evaluate(() => {
    const root = document.documentElement;
    root.tabIndex = -1;
    root.focus();
    root.removeAttribute("tabindex");
    window.scrollTo(0, 0);
  });
}

/**
 * Presses Tab from the top of the page once per control (plus the extra stops of date fields and a
 * margin) and marks every element that received focus (data-e2e-focus); returns how many did.
 */
export async function tabThrough(page: Page): Promise<number> {
  // Count the controls only once every list and chart has loaded (they mark themselves aria-busy while
  // loading): a list that renders after the count would be missed, not unreachable.
  await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null);
  await focusTop(page);
  const presses = await page.evaluate((selector) => {
    for (const el of document.querySelectorAll<HTMLElement>("[data-e2e-focus]")) delete el.dataset.e2eFocus;
    const w = window as unknown as { __e2eFocus?: (e: FocusEvent) => void };
    if (!w.__e2eFocus) {
      w.__e2eFocus = (e: FocusEvent) => {
        if (e.target instanceof HTMLElement) e.target.dataset.e2eFocus = "1";
      };
      document.addEventListener("focusin", w.__e2eFocus);
    }
    const controls = document.querySelectorAll(selector).length;
    // Chromium's date input stops at month, day and year, and a scrolling table box without links
    // is a stop of its own.
    const dates = document.querySelectorAll("input[type=date]").length;
    const scrollers = document.querySelectorAll(".table-wrap").length;
    return controls + 2 * dates + scrollers + 3;
  }, CONTROLS);
  for (let i = 0; i < presses; i++) await page.keyboard.press("Tab");
  return page.evaluate(() => document.querySelectorAll("[data-e2e-focus]").length);
}

/** Controls a person could operate that Tab never reached (after tabThrough). */
export function unreachedControls(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const controls = document.querySelectorAll<HTMLElement>(selector);
    return [...controls]
      .filter((el) => !el.dataset.e2eFocus && el.getClientRects().length > 0)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("name") || el.getAttribute("aria-label") || "").trim().slice(0, 60)}"`,
      );
  }, CONTROLS);
}

/** Tab from the top until the focused element matches; the caller then presses a key on it. */
export async function tabTo(
  page: Page,
  matches: (d: { tag: string; text: string }) => boolean,
  maxPresses = 400,
) {
  await focusTop(page);
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press("Tab");
    const d = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return { tag: el?.tagName.toLowerCase() ?? "", text: (el?.textContent ?? "").trim() };
    });
    if (matches(d)) return;
  }
  throw new Error("tabTo: no matching control reached by Tab");
}

/** Every string of the page's JavaScript heap, after a garbage collection (Chrome DevTools Protocol). */
export async function heapSnapshotText(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send("HeapProfiler.enable");
    await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("HeapProfiler.collectGarbage");
    const chunks: string[] = [];
    cdp.on("HeapProfiler.addHeapSnapshotChunk", (e) => chunks.push(e.chunk));
    await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    return chunks.join("");
  } finally {
    await cdp.detach().catch(() => {});
  }
}
