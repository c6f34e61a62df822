import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { API_CSP } from "./csp";

// Request id, security headers and CORS in one middleware, with every header value computed once at
// start-up. They are written straight onto the final response's headers after the handler: Hono's
// cors() touched `c.res` before the handler (so Hono built a placeholder Response and then copied it,
// header by header, into every real one) and appended Vary through `c.header()` afterwards (another
// copy): three Response objects a request. Setting them through `c.header()` before the handler costs
// more too (Hono's bookkeeping on each of the fourteen calls; profiled in `bun run bench`).

/** The defaults of Hono's secureHeaders(), which this replaces. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

export const REQUEST_ID_HEADER = "X-Request-Id";
const REQUEST_ID_MAX = 128;
/** A caller's id is kept only when it is short and plain, so it cannot inject into logs. */
const UNSAFE_REQUEST_ID = /[^\w\-=]/;

export interface CorsOptions {
  /** Origins allowed to read responses with credentials; any other origin gets no Allow-Origin. */
  origins: readonly string[];
  /**
   * Also allow http://localhost:<any port> and http://127.0.0.1:<any port>: development with no
   * ALLOWED_ORIGINS, so a dashboard on Vite (5173), Next (3000) or any dev server works at once.
   */
  allowLocalhost?: boolean;
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  allowMethods: readonly string[];
  maxAgeSeconds: number;
}

export interface HttpEdgeOptions {
  cors: CorsOptions;
  /** Paths under this prefix get CORS headers and answers to preflights. */
  corsPrefix: string;
}

export function requestIdOf(header: string | undefined): string {
  return header && header.length <= REQUEST_ID_MAX && !UNSAFE_REQUEST_ID.test(header)
    ? header
    : crypto.randomUUID();
}

/** First middleware: the request id, which the log line, the headers and every error body carry. */
export const requestIdMiddleware: MiddlewareHandler<AppEnv> = (c, next) => {
  c.set("requestId", requestIdOf(c.req.header(REQUEST_ID_HEADER)));
  return next();
};

/** A local development origin: plain http on localhost or 127.0.0.1, any port. */
const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/** After requestIdMiddleware: echoes its id, and adds the security and CORS headers. */

export function httpEdge(opts: HttpEdgeOptions): MiddlewareHandler<AppEnv> {
  const listed = new Set(opts.cors.origins);
  const allowLocalhost = opts.cors.allowLocalhost ?? false;
  const origins = { has: (o: string) => listed.has(o) || (allowLocalhost && LOCAL_ORIGIN.test(o)) };
  const expose = opts.cors.exposeHeaders.join(",");
  const allowHeaders = opts.cors.allowHeaders.join(",");
  const allowMethods = opts.cors.allowMethods.join(",");
  const maxAge = String(opts.cors.maxAgeSeconds);

  /** CORS headers of an actual (non-preflight) request (Vary: Origin is added by the caller). */
  function corsHeaders(headers: Headers, origin: string | undefined): void {
    // Without an Origin header the request is not a CORS request: the Allow-* headers mean nothing to it.
    // A refused origin gets none of them: it may not read the answer, with or without credentials.
    if (origin === undefined || !origins.has(origin)) return;
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Access-Control-Allow-Credentials", "true");
    headers.set("Access-Control-Expose-Headers", expose);
  }

  return async function httpEdge(c, next) {
    const id = c.get("requestId");
    const cors = c.req.path.startsWith(opts.corsPrefix);
    const origin = cors ? c.req.header("origin") : undefined;

    if (cors && c.req.method === "OPTIONS") {
      // Preflight: answered here, before routing, like Hono's cors() did.
      const set = (k: string, v: string) => c.header(k, v);
      set(REQUEST_ID_HEADER, id);
      if (origin !== undefined && origins.has(origin)) {
        set("Access-Control-Allow-Origin", origin);
        set("Access-Control-Allow-Credentials", "true");
        set("Access-Control-Expose-Headers", expose);
      }
      set("Vary", "Origin, Access-Control-Request-Headers");
      set("Access-Control-Max-Age", maxAge);
      set("Access-Control-Allow-Methods", allowMethods);
      set("Access-Control-Allow-Headers", allowHeaders);
      return c.body(null, 204);
    }

    await next();
    // The response the client gets, whoever built it (c.json(), an error envelope, a raw Response).
    const headers = c.res.headers;
    headers.set(REQUEST_ID_HEADER, id);
    for (const [k, v] of SECURITY_HEADERS) headers.set(k, v);
    // The HTML pages (API docs, queue board) bring their own policy.
    if (!headers.has("Content-Security-Policy")) headers.set("Content-Security-Policy", API_CSP);
    // Answers carry court data and tokens: no cache may keep them unless the handler says so (the
    // measures revalidate with ETags, public assets may be kept). Authenticated answers are private.
    const cacheControl = headers.get("Cache-Control");
    if (cacheControl === null || (c.get("user") && !/\bprivate\b/.test(cacheControl))) {
      headers.set("Cache-Control", "private, no-store");
    }
    if (cors) {
      headers.append("Vary", "Origin");
      corsHeaders(headers, origin);
    }
  };
}
