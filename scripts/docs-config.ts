// `bun run docs:config`: writes docs/configuration.md from the env schema (scripts/lib/config-doc.ts).
import { CONFIG_DOC_PATH, renderConfigDoc } from "./lib/config-doc";

const path = `${import.meta.dir}/../${CONFIG_DOC_PATH}`;
const text = renderConfigDoc();
const before = await Bun.file(path)
  .text()
  .catch(() => "");
await Bun.write(path, text);
console.log(before === text ? `${CONFIG_DOC_PATH}: up to date` : `${CONFIG_DOC_PATH}: written`);
