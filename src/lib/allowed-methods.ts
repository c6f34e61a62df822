// A request for a path the app serves, but with a method it does not, is 405 Method Not Allowed with
// an `Allow` header (RFC 9110 §15.5.6), not 404: the client has the address right and the verb wrong.
// Hono routes by method and path together and has no such answer, so the not-found handler asks
// this table which methods the path has.

interface RouteEntry {
  method: string;
  path: string;
}

/** `/api/courts/:id` → a matcher for `/api/courts/12`; `*` matches the rest of the path. */
function matcherOf(path: string): RegExp {
  const pattern = path
    .split("/")
    .map((seg) => {
      if (seg === "*") return ".*";
      // `:id` or `:id{[0-9]+}`: one segment (a constrained param is still one segment).
      if (seg.startsWith(":")) return "[^/]+";
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${pattern}$`);
}

/**
 * Looks up the methods of a path in the app's route table. The table is read on each call but
 * compiled only when it has grown, so routes added after start-up (tests add some) count too.
 */
export function allowedMethodsOf(routes: () => readonly RouteEntry[]) {
  let compiled: { count: number; entries: { method: string; match: RegExp }[] } = { count: -1, entries: [] };

  return function allowed(path: string): string[] {
    const table = routes();
    if (compiled.count !== table.length) {
      compiled = {
        count: table.length,
        // Middleware and catch-alls are registered for every method: they say nothing about the path.
        entries: table
          .filter((r) => r.method !== "ALL")
          .map((r) => ({ method: r.method, match: matcherOf(r.path) })),
      };
    }
    const methods = new Set<string>();
    for (const e of compiled.entries) if (e.match.test(path)) methods.add(e.method);
    if (methods.size === 0) return [];
    // Hono answers HEAD with the GET route; every /api/ path answers OPTIONS (CORS preflight).
    if (methods.has("GET")) methods.add("HEAD");
    if (path.startsWith("/api/")) methods.add("OPTIONS");
    const order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    return [...methods].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  };
}
