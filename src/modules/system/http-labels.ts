import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/** Label of every request that no endpoint matched (404s, CORS preflights of unknown paths…). */
export const UNMATCHED_ROUTE = "unmatched";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The route template (`/api/cases/:id`) of the endpoint that matched, never the raw path, so label
 * values stay bounded whatever URLs clients send. Middleware is registered with method ALL; an
 * endpoint has a concrete method. Reading the match (not the last handler run) also names the
 * endpoint when a middleware in front of it answered, e.g. a 401.
 */
export function routeTemplate(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i];
    if (r && r.method !== "ALL") return r.path;
  }
  return UNMATCHED_ROUTE;
}

/** Standard methods as they are; anything else a client invents is one value. */
export function methodLabel(c: Context): string {
  return METHODS.has(c.req.method) ? c.req.method : "OTHER";
}
