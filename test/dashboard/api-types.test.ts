import { expect, test } from "bun:test";
import { API_TYPES_PATH, committedHash, documentHash } from "../../scripts/lib/dashboard-api-types";
import { openApiDocument } from "../../scripts/lib/openapi-document";
import { ROOT } from "../helpers/process";

// The dashboard's client types are generated from the OpenAPI document (`bun run dashboard:types`).
// When the API's document changes, the committed types must be regenerated, or the dashboard would
// compile against an API that no longer exists.

test("dashboard/src/api/schema.gen.ts was generated from the API's current OpenAPI document", async () => {
  const committed = committedHash(await Bun.file(`${ROOT}/${API_TYPES_PATH}`).text());
  const current = documentHash(await openApiDocument());
  expect({ committed, hint: "run `bun run dashboard:types`" }).toEqual({
    committed: current,
    hint: "run `bun run dashboard:types`",
  });
});
