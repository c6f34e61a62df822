// bun run openapi:client — regenerates the API's TypeScript types (dashboard/src/api/schema.gen.ts) from the
// OpenAPI document the code produces. Run it after changing a route, a schema or a response.
import { writeFileSync } from "node:fs";
import { openApiDocument } from "./lib/openapi-document";
import { CLIENT_TYPES_PATH, generateClientTypes } from "./lib/openapi-types";

const text = await generateClientTypes(await openApiDocument());
writeFileSync(CLIENT_TYPES_PATH, text);
process.stdout.write(`wrote ${CLIENT_TYPES_PATH} (${text.length} characters)\n`);
