import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CLIENT_TYPES_PATH, generateClientTypes } from "../../scripts/lib/openapi-types";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg } from "../helpers/guards";

// The committed client types (./generated, which contract.test.ts compiles against) are what the
// standard generator makes of the document the app serves today. When this fails, the document
// changed: run `bun run openapi:client` and commit the result.
describePg("generated client types", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redis: "memory" });
  });
  afterAll(async () => {
    await t.close();
  });

  test("are fresh: openapi-typescript over GET /api/openapi.json gives the committed file", async () => {
    const doc = (await (await t.app.request("/api/openapi.json")).json()) as object;
    const generated = await generateClientTypes(doc);
    const committed = readFileSync(CLIENT_TYPES_PATH, "utf8");
    if (generated !== committed) {
      throw new Error(`${CLIENT_TYPES_PATH} is stale: run \`bun run openapi:client\` and commit it`);
    }
    expect(generated).toContain('"/api/system/health"');
  });
});
