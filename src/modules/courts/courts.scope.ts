import type { CourtIds } from "../../auth/scope";

/** The caller's court scope as set by authenticate(); null = every court. */
export function requestScope(c: { get(key: "scope"): CourtIds | undefined }): CourtIds {
  return c.get("scope") ?? null;
}
