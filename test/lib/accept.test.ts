import { describe, expect, test } from "bun:test";
import { prefersCsv } from "../../src/lib/csv";

// Content negotiation for the list routes that can answer CSV: CSV only when the Accept header weighs
// text/csv above application/json (exact types; a catch-all asks for nothing in particular).

describe("Accept: CSV or JSON", () => {
  test.each([
    ["text/csv", true],
    ["text/csv;q=0.9, application/json;q=0.5", true],
    ["text/csv;q=0.5, application/json", false],
    ["application/json, text/plain, */*", false],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", false],
    ["TEXT/CSV", true],
    ["text/csv;q=0", false],
    ["text/*", false],
    // A weight that cannot be read counts as 1, like an absent one (Hono's parser; decided, not slipped in).
    ["text/csv;q=abc, application/json;q=0.9", true],
    ["application/json;q=abc, text/csv;q=0.9", false],
  ])("%p → CSV %p", (accept, csv) => {
    expect(prefersCsv(accept)).toBe(csv);
  });
});
