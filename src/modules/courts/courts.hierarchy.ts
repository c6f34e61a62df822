import type { CourtIds } from "../../auth/scope";
import type { Court } from "../../db/schema";
import type { CourtTreeNodeJson } from "./courts.schemas";

// Pure functions over the court hierarchy (a forest linked by parent_id), shared by the tree, the
// scope filters and the cycle check.

function childrenIndex(list: Pick<Court, "id" | "parentId">[]): Map<number | null, number[]> {
  const index = new Map<number | null, number[]>();
  for (const c of list) {
    const siblings = index.get(c.parentId) ?? [];
    siblings.push(c.id);
    index.set(c.parentId, siblings);
  }
  return index;
}

/** The court and all its descendants; empty when the court is unknown. */
export function subtreeIds(list: Pick<Court, "id" | "parentId">[], rootId: number): number[] {
  if (!list.some((c) => c.id === rootId)) return [];
  const index = childrenIndex(list);
  const out: number[] = [];
  const seen = new Set<number>();
  const stack = [rootId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    // The guard keeps a corrupted (cyclic) table from looping forever.
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    stack.push(...(index.get(id) ?? []));
  }
  return out.sort((a, b) => a - b);
}

/** True when making `newParentId` the parent of `id` would close a loop (including id itself). */
export function wouldCycle(parents: Map<number, number | null>, id: number, newParentId: number): boolean {
  const seen = new Set<number>();
  for (let at: number | null | undefined = newParentId; at != null; at = parents.get(at)) {
    if (at === id) return true;
    if (seen.has(at)) return true;
    seen.add(at);
  }
  return false;
}

/**
 * Nested tree of the visible courts. A scoped user's roots are the courts whose parent they cannot
 * see, so a district administrator gets their district as a root, not an orphaned branch.
 */
export function nestTree(list: Court[], visible: CourtIds): CourtTreeNodeJson[] {
  const allowed = visible === null ? null : new Set(visible);
  const shown = list.filter((c) => allowed === null || allowed.has(c.id));
  const shownIds = new Set(shown.map((c) => c.id));
  const nodes = new Map<number, CourtTreeNodeJson>(
    shown.map((c) => [
      c.id,
      { id: c.id, code: c.code, name: c.name, level: c.level, active: c.active, children: [] },
    ]),
  );
  const roots: CourtTreeNodeJson[] = [];
  for (const c of shown) {
    const node = nodes.get(c.id)!;
    if (c.parentId !== null && shownIds.has(c.parentId)) nodes.get(c.parentId)!.children.push(node);
    else roots.push(node);
  }
  const byCode = (a: CourtTreeNodeJson, b: CourtTreeNodeJson) =>
    a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  const sortDeep = (ns: CourtTreeNodeJson[]) => {
    ns.sort(byCode);
    for (const n of ns) sortDeep(n.children);
  };
  sortDeep(roots);
  return roots;
}

/** Depth-first rows of a tree, for the CSV form of the tree. */
export function flattenTree(
  roots: CourtTreeNodeJson[],
): (Omit<CourtTreeNodeJson, "children"> & { parentId: number | null; depth: number; path: string })[] {
  const out: (Omit<CourtTreeNodeJson, "children"> & {
    parentId: number | null;
    depth: number;
    path: string;
  })[] = [];
  const walk = (ns: CourtTreeNodeJson[], parent: { id: number; path: string } | null, depth: number) => {
    for (const { children, ...n } of ns) {
      const path = parent ? `${parent.path}/${n.code}` : n.code;
      out.push({ ...n, parentId: parent?.id ?? null, depth, path });
      walk(children, { id: n.id, path }, depth + 1);
    }
  };
  walk(roots, null, 0);
  return out;
}
