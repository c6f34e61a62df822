// bun run docs:api — rewrites the generated tables of docs/api.md (error codes, audit vocabularies)
// from the code. Run it after adding an error code or an audit action.
import { readFileSync, writeFileSync } from "node:fs";
import { API_DOC_PATH, fillGenerated } from "./lib/api-docs";

const before = readFileSync(API_DOC_PATH, "utf8");
const after = fillGenerated(before);
writeFileSync(API_DOC_PATH, after);
process.stdout.write(`${API_DOC_PATH}: ${before === after ? "already up to date" : "tables rewritten"}\n`);
