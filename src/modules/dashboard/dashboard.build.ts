import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "bun";

// The dashboard's browser bundle, built with Bun.build into memory on the first request to /dashboard
// (never at import or start-up, so API-only processes and the test suite never pay for it). There is
// no build step and no output directory: `bun install && bun run dev` serves a fresh bundle, and a
// checked-out tree cannot serve a stale one. In development a request for the page rebuilds when a
// source file changed (one stat per file); elsewhere the first build is kept for the process's life.

export const DASHBOARD_SOURCE = resolve(import.meta.dir, "../../../dashboard/src");
const ENTRY = join(DASHBOARD_SOURCE, "main.tsx");

export interface DashboardAsset {
  /** Hashed file name, e.g. `main-3f2a9c1d.js`. */
  name: string;
  contentType: string;
  body: Uint8Array;
  gzip: Uint8Array;
}

export interface DashboardBundle {
  script: DashboardAsset;
  styles: DashboardAsset | null;
  byName: Map<string, DashboardAsset>;
  /** Changes with any asset: the page's ETag. */
  version: string;
  buildMs: number;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

export async function buildDashboard(): Promise<DashboardBundle> {
  const started = performance.now();
  const result = await Bun.build({
    entrypoints: [ENTRY],
    target: "browser",
    format: "esm",
    minify: true,
    splitting: false,
    sourcemap: "none",
    naming: { entry: "[name]-[hash].[ext]", asset: "[name]-[hash].[ext]", chunk: "[name]-[hash].[ext]" },
    define: { "process.env.NODE_ENV": '"production"' },
    throw: false,
  });
  if (!result.success) {
    const messages = result.logs.map((l) => String(l.message ?? l)).join("; ");
    throw new Error(`dashboard build failed: ${messages}`);
  }
  const byName = new Map<string, DashboardAsset>();
  let script: DashboardAsset | null = null;
  let styles: DashboardAsset | null = null;
  for (const out of result.outputs) {
    const name = out.path.replace(/^.*[\\/]/, "");
    const ext = name.slice(name.lastIndexOf(".") + 1);
    const body = new Uint8Array(await out.arrayBuffer());
    const asset = {
      name,
      contentType: TYPES[ext] ?? "application/octet-stream",
      body,
      gzip: gzipSync(body, { level: 9 }),
    };
    byName.set(name, asset);
    if (out.kind === "entry-point" && ext === "js") script = asset;
    else if (ext === "css") styles = asset;
  }
  if (!script) throw new Error("dashboard build produced no script");
  const version = [...byName.keys()].sort().join(",");
  return { script, styles, byName, version, buildMs: Math.round(performance.now() - started) };
}

/** Newest modification time under the source folder (development rebuilds). */
export function sourceStamp(dir = DASHBOARD_SOURCE): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? sourceStamp(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** One build shared by concurrent first requests; in development, rebuilt when the sources change. */
export function dashboardBundleCache(opts: { watch: boolean }) {
  let current: Promise<DashboardBundle> | null = null;
  let stamp = 0;
  return {
    get(): Promise<DashboardBundle> {
      if (opts.watch) {
        const now = sourceStamp();
        if (now !== stamp) {
          stamp = now;
          current = null;
        }
      }
      if (!current) {
        const building = buildDashboard();
        current = building;
        // A failed build is not kept: the next request tries again (after the source is fixed).
        building.catch(() => {
          if (current === building) current = null;
        });
      }
      return current;
    },
  };
}
