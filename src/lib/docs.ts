import { dirname, join } from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { Env, Schema } from "hono";
import { cspNonce, docsCsp } from "./csp";
import { appVersion } from "./version";

// The API's contract and its interactive reference:
//   GET /api/openapi.json      the OpenAPI 3.1 document generated from the routes' zod schemas
//   GET /api/docs              Scalar's reference UI over that document
//   GET /api/docs/scalar.js    Scalar's browser bundle, served from node_modules
// Scalar loads its bundle from a CDN by default; serving it ourselves keeps the docs working on
// machines without internet access and pins the UI to the version in bun.lock.

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PATH = "/api/docs";
const BUNDLE_PATH = `${DOCS_PATH}/scalar.js`;

let bundle: Promise<ArrayBuffer> | null = null;

/** @scalar/api-reference's standalone browser build (its package exports do not list the file). */
function scalarBundle(): Promise<ArrayBuffer> {
  bundle ??= (async () => {
    const entry = Bun.resolveSync("@scalar/api-reference", import.meta.dir);
    return Bun.file(join(dirname(entry), "browser", "standalone.js")).arrayBuffer();
  })();
  return bundle;
}

export function mountDocs<E extends Env, S extends Schema, B extends string>(
  app: OpenAPIHono<E, S, B>,
): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The accessToken from POST /api/auth/login",
  });

  app.doc31(OPENAPI_PATH, {
    openapi: "3.1.0",
    info: {
      title: "CourtFlow API",
      version: appVersion,
      description:
        "Court performance data for the CourtFlow dashboard. Every data route needs a bearer access token " +
        "(POST /api/auth/login) and answers within the caller's court scope; list routes page with an " +
        "opaque `cursor` and also answer CSV (`Accept: text/csv` or `format=csv`).",
    },
    tags: [
      { name: "auth" },
      { name: "courts" },
      { name: "judges" },
      { name: "cases" },
      { name: "time-standards" },
    ],
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
