import { errorCatalog } from "../../src/lib/errors";
import { AUDIT_ACTIONS, AUDIT_ENTITIES } from "../../src/modules/audit/audit.vocabulary";

// The parts of docs/api.md that are generated from the code, between markers:
//   <!-- generated:NAME -->  …  <!-- /generated:NAME -->
// `bun run docs:api` rewrites them; test/docs/api-doc.test.ts fails when the file and the code disagree.

export const API_DOC_PATH = "docs/api.md";

const cell = (s: string) => s.replaceAll("|", "\\|");

const BLOCKS: Record<string, () => string> = {
  errors: () =>
    [
      "| code | status | meaning |",
      "|---|---|---|",
      ...Object.entries(errorCatalog).map(
        ([code, e]) => `| \`${code}\` | ${e.status} | ${cell(e.meaning)} |`,
      ),
    ].join("\n"),
  "audit-actions": () =>
    [
      "| action | entity | meaning |",
      "|---|---|---|",
      ...Object.entries(AUDIT_ACTIONS).map(([a, v]) => `| \`${a}\` | \`${v.entity}\` | ${cell(v.meaning)} |`),
    ].join("\n"),
  "audit-entities": () =>
    [
      "| entity | meaning |",
      "|---|---|",
      ...Object.entries(AUDIT_ENTITIES).map(([e, meaning]) => `| \`${e}\` | ${cell(meaning)} |`),
    ].join("\n"),
};

/** The markdown with every generated block rewritten from the code; throws on a missing marker. */
export function fillGenerated(markdown: string): string {
  let out = markdown;
  for (const [name, render] of Object.entries(BLOCKS)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`${API_DOC_PATH}: markers ${open} … ${close} not found`);
    out = `${out.slice(0, start + open.length)}\n${render()}\n${out.slice(end)}`;
  }
  return out;
}
