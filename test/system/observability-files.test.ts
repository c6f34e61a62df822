import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg } from "../helpers/guards";
import { ROOT, tempDir } from "../helpers/process";
import { IN_CI } from "../helpers/services";
import { parseMetrics } from "./prom-text";
import { PROMTOOL } from "./promtool";

const DIR = join(ROOT, "observability");
const describePromtool = PROMTOOL ? describe : describe.skip;
if (!PROMTOOL && IN_CI)
  throw new Error("promtool is required in CI (.ci/run installs the prometheus package)");

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; w: number };
  targets?: { expr: string }[];
}
const dashboard = (await Bun.file(join(DIR, "grafana-dashboard.json")).json()) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
};
const exprs = dashboard.panels.flatMap((p) => p.targets?.map((t) => t.expr) ?? []);
const alertsText = await Bun.file(join(DIR, "alerts.yml")).text();

/** Dashboard variables → concrete values, so promtool can parse the PromQL. */
function concrete(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$api_job", "courtflow-api")
    .replaceAll("$worker_job", "courtflow-worker")
    .replaceAll("$instance", ".*");
}

async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn([PROMTOOL!, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, output: out + err };
}

describePromtool("observability files pass promtool", () => {
  test("prometheus.yml is a valid config (with its rule file)", async () => {
    const r = await promtool("check", "config", "observability/prometheus.yml");
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  test("alerts.yml is valid and its unit tests pass", async () => {
    const check = await promtool("check", "rules", "observability/alerts.yml");
    expect(check.code).toBe(0);
    const unit = await promtool("test", "rules", "observability/alerts.test.yml");
    expect(unit.output).toContain("SUCCESS");
    expect(unit.code).toBe(0);
  });

  test("every dashboard query is valid PromQL", async () => {
    // promtool parses PromQL when checking rules: each query becomes a recording rule.
    const rules = exprs.map(
      (e, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(concrete(e))}`,
    );
    const file = join(tempDir("dashboard"), "queries.yml");
    await Bun.write(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join("\n")}\n`);
    const r = await promtool("check", "rules", file);
    expect(r.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(r.code).toBe(0);
  });
});

describe("Grafana dashboard", () => {
  test("imports as it is: a data-source variable, every panel on it, a 24-column grid", () => {
    expect(dashboard.uid).toBe("courtflow-overview");
    expect(dashboard.templating.list.find((v) => v.name === "datasource")?.type).toBe("datasource");
    const panels = dashboard.panels.filter((p) => p.type !== "row");
    expect(panels.length).toBeGreaterThanOrEqual(12);
    for (const p of panels) {
      // Grafana's variable syntax, not a JavaScript template.
      expect([p.title, p.datasource?.uid]).toEqual([p.title, "$" + "{datasource}"]);
      expect(p.targets?.length).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
    const titles = panels.map((p) => p.title.toLowerCase()).join(" | ");
    for (const topic of [
      "request rate",
      "latency",
      "errors",
      "pool",
      "cache hit ratio",
      "queue depth",
      "import throughput",
    ]) {
      expect(titles).toContain(topic);
    }
  });
});

describePg("dashboard and alerts use only metrics the processes export", () => {
  let t: TestApp;
  let families: Map<string, string>;
  beforeAll(async () => {
    t = await createTestApp({ defaultMetrics: true });
    families = parseMetrics(await (await t.app.request("/api/system/metrics")).text()).types;
  });
  afterAll(async () => {
    await t.close();
  });

  test("every courtflow_* name in the dashboard and alerts.yml exists (histogram series included)", () => {
    const names = new Set(
      [...exprs, alertsText].flatMap((text) => text.match(/courtflow_[a-z0-9_]+/g) ?? []),
    );
    expect(names.size).toBeGreaterThan(15);
    const missing = [...names].filter((n) => {
      if (families.has(n)) return false;
      const base = n.replace(/_(bucket|count|sum)$/, "");
      return families.get(base) !== "histogram";
    });
    expect(missing).toEqual([]);
  });
});
