import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { fillImportsDoc, IMPORTS_DOC_PATH } from "../../scripts/lib/imports-doc";
import { ACTIVITIES, CASES } from "../../src/modules/imports/imports.columns";

// docs/imports.md's column tables are generated from the import column spec (`bun run docs:imports`);
// they must not drift from it, and neither may the example files' headers.
describe("docs/imports.md", () => {
  const doc = readFileSync(IMPORTS_DOC_PATH, "utf8");

  test("its column tables are what the spec says today (else: bun run docs:imports)", () => {
    expect(fillImportsDoc(doc) === doc).toBe(true);
  });

  test("each file's CSV example starts with the spec's columns, in order", () => {
    for (const spec of [CASES, ACTIVITIES]) {
      expect(doc).toContain(`\`\`\`csv\n${spec.columns.map((c) => c.name).join(",")}\n`);
    }
  });
});
