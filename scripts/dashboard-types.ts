// `bun run dashboard:types`: regenerates the dashboard's API types from the OpenAPI document.
import { API_TYPES_PATH, renderApiTypes } from "./lib/dashboard-api-types";

const path = `${import.meta.dir}/../${API_TYPES_PATH}`;
const text = await renderApiTypes();
const before = await Bun.file(path)
  .text()
  .catch(() => "");
await Bun.write(path, text);
console.log(before === text ? `${API_TYPES_PATH}: up to date` : `${API_TYPES_PATH}: written`);
