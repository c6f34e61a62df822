import { useEffect, useState } from "preact/hooks";

// Pages live under /dashboard (the server answers every /dashboard/* path with the same page) and all
// view state is in the URL, so any view can be bookmarked or shared. Links are real <a href> elements
// (keyboard, middle-click and copy work); a plain left click is turned into history.pushState.

export const BASE = "/dashboard";

export type Route =
  | { page: "overview" }
  | { page: "cases" }
  | { page: "case"; id: number }
  | { page: "imports"; batchId: number | null }
  | { page: "operations" }
  | { page: "not-found" };

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length).replace(/\/+$/, "") : pathname;
  if (rest === "") return { page: "overview" };
  if (rest === "/cases") return { page: "cases" };
  const caseMatch = /^\/cases\/(\d{1,10})$/.exec(rest);
  if (caseMatch) return { page: "case", id: Number(caseMatch[1]) };
  if (rest === "/imports") return { page: "imports", batchId: null };
  const batchMatch = /^\/imports\/(\d{1,10})$/.exec(rest);
  if (batchMatch) return { page: "imports", batchId: Number(batchMatch[1]) };
  if (rest === "/operations") return { page: "operations" };
  return { page: "not-found" };
}

export interface Location {
  route: Route;
  query: URLSearchParams;
  href: string;
}

function current(): Location {
  return {
    route: parseRoute(location.pathname),
    query: new URLSearchParams(location.search),
    href: location.pathname + location.search,
  };
}

const listeners = new Set<() => void>();

export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  if (href === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  for (const l of listeners) l();
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", update);
    };
  }, []);
  return loc;
}

/** `href` for a page with query parameters (empty values dropped). */
export function hrefOf(
  path: string,
  params: Record<string, string | number | boolean | null | undefined> = {},
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `${BASE}${path}${s ? `?${s}` : ""}`;
}

/** onClick for <a href>: in-app navigation for a plain left click, the browser's default otherwise. */
export function linkClick(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.target || !a.pathname.startsWith(BASE)) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
