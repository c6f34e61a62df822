import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import type { AppDeps } from "../../deps";
import { AppError } from "../../lib/errors";
import { type DashboardAsset, type DashboardBundle, dashboardBundleCache } from "./dashboard.build";
import { ASSET_CACHE, PAGE_HEADERS } from "./dashboard.headers";

// GET /dashboard (and every /dashboard/* page: the client routes them) and its hashed assets under
// /dashboard/assets/. Plain routes, no middleware: API requests never pass through any of this. Not part
// of the API's contract (the OpenAPI document); the dashboard itself uses only that contract.

export const DASHBOARD_PATH = "/dashboard";
const ASSETS = `${DASHBOARD_PATH}/assets`;

function page(bundle: DashboardBundle): string {
  const styles = bundle.styles ? `<link rel="stylesheet" href="${ASSETS}/${bundle.styles.name}">` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>CourtFlow dashboard</title>
<link rel="icon" href="data:,">
${styles}
<script type="module" src="${ASSETS}/${bundle.script.name}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the CourtFlow dashboard…</p></div>
<noscript>The CourtFlow dashboard needs JavaScript. The figures are also available from the API at /api/docs.</noscript>
</body>
</html>
`;
}

function sendAsset(c: Context<AppEnv>, asset: DashboardAsset): Response {
  const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
  const headers: Record<string, string> = {
    "Content-Type": asset.contentType,
    "Cache-Control": ASSET_CACHE,
    Vary: "Accept-Encoding",
  };
  if (gzip) headers["Content-Encoding"] = "gzip";
  return new Response(gzip ? asset.gzip : asset.body, { status: 200, headers });
}

/** Mounts the dashboard unless DASHBOARD_ENABLED=false (then /dashboard is an unknown path: 404). */
export function mountDashboard(app: OpenAPIHono<AppEnv>, deps: Pick<AppDeps, "config" | "logger">): void {
  if (!deps.config.DASHBOARD_ENABLED) return;
  const bundles = dashboardBundleCache({ watch: deps.config.NODE_ENV === "development" });
  let logged = "";

  async function bundle(): Promise<DashboardBundle> {
    try {
      const b = await bundles.get();
      if (logged !== b.version) {
        logged = b.version;
        deps.logger.info(
          { ms: b.buildMs, script: b.script.name, gzipBytes: b.script.gzip.byteLength },
          "dashboard bundle built",
        );
      }
      return b;
    } catch (err) {
      throw new AppError("INTERNAL", "The dashboard could not be built", undefined, { cause: err });
    }
  }

  app.get(`${ASSETS}/:file`, async (c) => {
    const asset = (await bundle()).byName.get(c.req.param("file"));
    if (!asset) throw new AppError("NOT_FOUND", `No dashboard asset ${c.req.param("file")}`);
    return sendAsset(c, asset);
  });

  const html = async (c: Context<AppEnv>) => {
    const b = await bundle();
    const etag = `"${Bun.hash(b.version).toString(36)}"`;
    if (c.req.header("if-none-match") === etag)
      return new Response(null, { status: 304, headers: { ...PAGE_HEADERS, ETag: etag } });
    return new Response(page(b), { status: 200, headers: { ...PAGE_HEADERS, ETag: etag } });
  };
  app.get(DASHBOARD_PATH, html);
  app.get(`${DASHBOARD_PATH}/*`, html);
}
