import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { API_DOC_PATH, fillGenerated } from "../../scripts/lib/api-docs";
import { ERROR_CODES, errorStatus } from "../../src/lib/errors";
import { AUDIT_ACTION_NAMES, AUDIT_ENTITY_NAMES } from "../../src/modules/audit/audit.vocabulary";

// docs/api.md's tables of error codes and audit vocabularies are generated from the code
// (`bun run docs:api`); they must not drift from it.
describe("docs/api.md", () => {
  const doc = readFileSync(API_DOC_PATH, "utf8");

  test("its generated tables are what the code says today (else: bun run docs:api)", () => {
    expect(fillGenerated(doc) === doc).toBe(true);
  });

  test("the error table lists every code with its status", () => {
    for (const code of ERROR_CODES) expect(doc).toContain(`| \`${code}\` | ${errorStatus[code]} |`);
    for (const code of [
      "BAD_REQUEST",
      "METHOD_NOT_ALLOWED",
      "UNSUPPORTED_MEDIA_TYPE",
      "AUTH_UNAVAILABLE",
      "SERVICE_UNAVAILABLE",
    ])
      expect(doc).toContain(`\`${code}\``);
  });

  test("every audit action and entity is documented", () => {
    for (const a of AUDIT_ACTION_NAMES) expect(doc).toContain(`| \`${a}\` |`);
    for (const e of AUDIT_ENTITY_NAMES) expect(doc).toContain(`| \`${e}\` |`);
  });
});
