import { ACTIVITIES, CASES, type FileSpec } from "../../src/modules/imports/imports.columns";

// The column tables of docs/imports.md, generated from the import column spec
// (src/modules/imports/imports.columns.ts) between markers:
//   <!-- generated:NAME -->  …  <!-- /generated:NAME -->
// `bun run docs:imports` rewrites them; test/docs/imports-doc.test.ts fails when the file and the spec disagree.

export const IMPORTS_DOC_PATH = "docs/imports.md";

const cell = (s: string) => s.replaceAll("|", "\\|");

/** A file's column table: name, required, what the value is, where it lands. */
export function renderColumnTable(spec: FileSpec): string {
  return [
    "| column | required | value | stored in |",
    "|---|---|---|---|",
    ...spec.columns.map((c) => {
      const stored =
        c.db === null ? (c.note ?? "") : `\`${spec.table}.${c.db}\`${c.note ? ` (${c.note})` : ""}`;
      return `| \`${c.name}\` | ${c.required ? "yes" : "no"} | ${cell(c.doc)} | ${cell(stored)} |`;
    }),
  ].join("\n");
}

const BLOCKS: Record<string, () => string> = {
  "cases-columns": () => renderColumnTable(CASES),
  "activities-columns": () => renderColumnTable(ACTIVITIES),
};

/** The markdown with every generated block rewritten from the spec; throws on a missing marker. */
export function fillImportsDoc(markdown: string): string {
  let out = markdown;
  for (const [name, render] of Object.entries(BLOCKS)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start)
      throw new Error(`${IMPORTS_DOC_PATH}: markers ${open} … ${close} not found`);
    out = `${out.slice(0, start + open.length)}\n${render()}\n${out.slice(end)}`;
  }
  return out;
}
