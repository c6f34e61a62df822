import { describe, expect, test } from "bun:test";
import { caseHash } from "../../src/modules/imports/imports.validate";

// cases.source_hash decides whether a re-imported row is `unchanged`: a hash that changed its
// formula would turn every stored case into an `updated` one on the next import of the same file.
// These values were computed before the column spec existed and must never change.
describe("a case row's source_hash", () => {
  test("is the md5 (base64) of the non-key values joined by |, as it always was", () => {
    expect(
      caseHash({
        courtId: 3,
        caseNumber: "CR-2026-000102",
        caseType: "felony",
        filedOn: "2025-12-01",
        status: "disposed",
        statusOn: "2026-02-10",
        judgeId: 17,
        disposedOn: "2026-02-10",
        disposition: "plea",
      }),
    ).toBe("EAiKa4pT8p6CdnfTgaatKA==");
  });

  test("writes an absent value as the empty string", () => {
    expect(
      caseHash({
        courtId: 1,
        caseNumber: "CV-1",
        caseType: "civil_general",
        filedOn: "2026-01-05",
        status: "active",
        statusOn: null,
        judgeId: null,
        disposedOn: null,
        disposition: null,
      }),
    ).toBe("hpFTyOIz6z2sWQGlVgHEfQ==");
  });
});
