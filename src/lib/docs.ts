import { dirname, join } from "node:path";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { Env, Schema } from "hono";
import { cspNonce, docsCsp } from "./csp";
import { noSecurity } from "./openapi";
import { completeDocument } from "./openapi-contract";
import { appName, appVersion } from "./version";

// The API's contract and its interactive reference:
//   GET /api/openapi.json      the OpenAPI 3.1 document generated from the routes' zod schemas
//   GET /api/docs              Scalar's reference UI over that document
//   GET /api/docs/scalar.js    Scalar's browser bundle, served from node_modules
//   GET / and GET /api         a small index pointing at the three above and at health
// Scalar loads its bundle from a CDN by default; serving it ourselves keeps the docs working on
// machines without internet access and pins the UI to the version in bun.lock.

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PATH = "/api/docs";
const BUNDLE_PATH = `${DOCS_PATH}/scalar.js`;
export const HEALTH_PATH = "/api/system/health";

/** Every tag an operation uses, in the order the reference shows them. A test checks none is missing. */
export const API_TAGS = [
  { name: "auth", description: "Log in, refresh and log out; your sessions and password" },
  { name: "courts", description: "Courts and their hierarchy (a court filter includes its descendants)" },
  { name: "judges", description: "Judges and their court assignments" },
  { name: "cases", description: "Cases with age, time-standard status and activities" },
  {
    name: "measures",
    description: "CourTools measures 2–5 and the dashboard's KPI cards (see each response's `coverage`)",
  },
  { name: "time-standards", description: "Model time standards per case type" },
  { name: "imports", description: "Daily CSV extracts: upload, progress, row errors, retry" },
  { name: "users", description: "User accounts (admins; court administrators within their subtree)" },
  { name: "audit", description: "Who changed what, newest first (admins)" },
  { name: "system", description: "Index, health probes, version, metrics" },
  { name: "queues", description: "Background job queues (admins)" },
] as const;

let bundle: Promise<ArrayBuffer> | null = null;

/** @scalar/api-reference's standalone browser build (its package exports do not list the file). */
function scalarBundle(): Promise<ArrayBuffer> {
  bundle ??= (async () => {
    const entry = Bun.resolveSync("@scalar/api-reference", import.meta.dir);
    return Bun.file(join(dirname(entry), "browser", "standalone.js")).arrayBuffer();
  })();
  return bundle;
}

const ApiIndex = z
  .object({
    name: z.string(),
    version: z.string(),
    docs: z.string().openapi({ description: "The interactive API reference", example: DOCS_PATH }),
    openapi: z.string().openapi({ description: "The OpenAPI 3.1 document", example: OPENAPI_PATH }),
    health: z.string().openapi({ example: HEALTH_PATH }),
    login: z.string().openapi({ description: "Where a bearer token comes from", example: "/api/auth/login" }),
  })
  .openapi("ApiIndex");

const index = {
  name: appName,
  version: appVersion,
  docs: DOCS_PATH,
  openapi: OPENAPI_PATH,
  health: HEALTH_PATH,
  login: "/api/auth/login",
};

export function mountDocs<E extends Env, S extends Schema, B extends string>(
  app: OpenAPIHono<E, S, B>,
): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The accessToken from POST /api/auth/login",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "metricsToken", {
    type: "http",
    scheme: "bearer",
    description:
      "METRICS_TOKEN, when the server sets one (metrics and the detailed health report are open otherwise)",
  });

  for (const [path, operationId] of [
    ["/", "getRoot"],
    ["/api", "getApiIndex"],
  ] as const) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        operationId,
        tags: ["system"],
        summary: path === "/" ? "Index of the server (the same as GET /api)" : "Index of the API",
        security: noSecurity,
        responses: {
          200: { description: "Where to go next", content: { "application/json": { schema: ApiIndex } } },
        },
      }),
      (c) => c.json(index, 200),
    );
  }

  // Generated once, on first request: by then every router is mounted.
  let document: unknown = null;
  app.get(OPENAPI_PATH, (c) => {
    document ??= completeDocument(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "CourtFlow API",
          version: appVersion,
          description:
            "Court performance data for the CourtFlow dashboard. Every data route needs a bearer access token " +
            "(POST /api/auth/login) and answers within the caller's court scope; list routes page with an " +
            "opaque `cursor` and also answer CSV (`Accept: text/csv` or `format=csv`). Errors share one " +
            "envelope: `{ error: { code, message, details?, requestId } }`, where `details` is always a list " +
            "of `{ path, message }`.",
        },
        servers: [{ url: "/", description: "The server that serves this document" }],
        tags: API_TAGS.map((t) => ({ ...t })),
      }),
    );
    return c.json(document as object);
  });

  app.get(BUNDLE_PATH, async (c) => {
    c.header("content-type", "application/javascript; charset=utf-8");
    c.header("cache-control", "public, max-age=86400");
    return c.body(await scalarBundle());
  });

  const config = {
    url: OPENAPI_PATH,
    cdn: BUNDLE_PATH,
    pageTitle: "CourtFlow API reference",
    theme: "default" as const,
    // Offer the bearer token field first: every data route needs it.
    authentication: { preferredSecurityScheme: "bearerAuth" },
    // Court data stays on our servers: no telemetry, no hosted AI or MCP helpers, no font service.
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: "never" as const,
    withDefaultFonts: false,
  };
  // A fresh nonce per page lets Scalar's inline start-up script run under the CSP (src/lib/csp.ts).
  // The bundle's zod probes for eval (`Function("")`) to compile validators; the policy forbids eval,
  // and telling zod first to run without it keeps the probe (and its violation report) away.
  app.get(DOCS_PATH, async (c, next) => {
    const nonce = cspNonce();
    const res = (await Scalar({ ...config, nonce })(c as never, next)) as Response;
    const noEval = `<script nonce="${nonce}">globalThis.__zod_globalConfig = { jitless: true };</script>`;
    const page = new Response((await res.text()).replace("<head>", `<head>\n    ${noEval}`), res);
    page.headers.delete("Content-Length");
    page.headers.set("Content-Security-Policy", docsCsp(nonce));
    return page;
  });
}
