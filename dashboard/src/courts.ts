import { api, call } from "./api/client";
import type { components } from "./api/schema.gen";

// The court hierarchy within the user's scope (GET /api/courts/tree) and the judges of a court.

export type CourtNode = components["schemas"]["CourtTreeNode"];
export type Judge = components["schemas"]["Judge"];

export interface CourtOption {
  id: number;
  code: string;
  name: string;
  depth: number;
  node: CourtNode;
}

export async function loadCourtTree(): Promise<CourtNode[]> {
  return (await call(() => api.GET("/api/courts/tree"))).data;
}

/** Depth-first, as the select lists them (indented by depth). */
export function flattenCourts(roots: CourtNode[]): CourtOption[] {
  const out: CourtOption[] = [];
  const walk = (n: CourtNode, depth: number) => {
    out.push({ id: n.id, code: n.code, name: n.name, depth, node: n });
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}

/** Judges of a court (and its descendants), or of the whole scope; at most `max`, by name. */
export async function loadJudges(courtId: number | undefined, max = 1000): Promise<Judge[]> {
  const judges: Judge[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(() =>
      api.GET("/api/judges", { params: { query: { courtId, limit: 200, cursor } } }),
    );
    judges.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && judges.length < max);
  return judges;
}
