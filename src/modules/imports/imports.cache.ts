// The measures module caches its results in the "measures" namespace, tagged with the courts they
// cover; an import drops the entries of the courts it changed.

export const MEASURES_CACHE_NAMESPACE = "measures";

/** Entries computed over every court (no court filter): any import changes them. */
export const ALL_COURTS_TAG = "court:all";

export function measureCacheTags(courtIds: readonly number[]): string[] {
  return [...new Set(courtIds)].map((id) => `court:${id}`);
}
