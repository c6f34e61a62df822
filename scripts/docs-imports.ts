// bun run docs:imports — rewrites the column tables of docs/imports.md from the import column spec
// (src/modules/imports/imports.columns.ts). Run it after changing a column.
import { readFileSync, writeFileSync } from "node:fs";
import { fillImportsDoc, IMPORTS_DOC_PATH } from "./lib/imports-doc";

const before = readFileSync(IMPORTS_DOC_PATH, "utf8");
const after = fillImportsDoc(before);
writeFileSync(IMPORTS_DOC_PATH, after);
process.stdout.write(
  `${IMPORTS_DOC_PATH}: ${before === after ? "already up to date" : "tables rewritten"}\n`,
);
