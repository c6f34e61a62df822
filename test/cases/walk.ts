import { expect } from "bun:test";
import type { TestApp } from "../helpers/app";
import { call } from "../helpers/http";

/** Follows nextCursor from the first page to the last, returning every row in order. */
export async function walkPages(
  t: TestApp,
  token: string,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  between?: () => Promise<void>,
): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
  const rows: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    if (cursor) params.set("cursor", cursor);
    const res = await call(t, "GET", `${path}?${params}`, { token });
    expect(res.status).toBe(200);
    rows.push(...res.body.data);
    cursor = res.body.nextCursor;
    pages++;
    if (pages > 10_000) throw new Error("pagination does not end");
    await between?.();
  } while (cursor !== null);
  return { rows, pages };
}
