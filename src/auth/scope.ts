// The one scope rule: which courts a caller may see. Resolved once per request from the user's
// court (its whole subtree) and intersected with any courtId filter, then passed to repos as a list.

/** `null` = every court (admin, analyst); otherwise the allowed court ids ([] for a scoped role with no court). */
export type CourtIds = number[] | null;

/** Intersects the caller's allowed courts with a filter's subtree; [] means "nothing visible". */
export function intersectCourtIds(allowed: CourtIds, filter: CourtIds): CourtIds {
  if (allowed === null) return filter;
  if (filter === null) return allowed;
  const set = new Set(allowed);
  return filter.filter((id) => set.has(id));
}
