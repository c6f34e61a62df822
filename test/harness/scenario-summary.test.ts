import { describe, expect, test } from "bun:test";
import { formatSummary, recorded, recordScenario } from "../../chaos/lib/summary";

// The chaos and topology summary is all a CI log keeps of those long suites: a scenario that throws
// halfway must still appear in it, failed, with the error and what its processes printed last.

describe("chaos/topology summary", () => {
  test("a scenario that throws before recording its row is listed as failed, with the error and the processes' last lines", async () => {
    const api = {
      output: () => `${"early line\n".repeat(30)}{"msg":"redis down","reason":"connect ECONNREFUSED"}\n`,
    };
    const body = recorded(
      "9 throws halfway",
      async () => {
        throw new Error("batch 7 did not finish");
      },
      () => ({ api, worker: undefined }),
    );
    await expect(body()).rejects.toThrow("batch 7 did not finish");
    const text = formatSummary("t");
    expect(text).toContain("FAIL  9 throws halfway");
    expect(text).toContain("FAIL the scenario ran to its end — Error: batch 7 did not finish");
    expect(text).toContain('"msg":"redis down","reason":"connect ECONNREFUSED"');
    expect(text.split("early line").length - 1).toBe(11);
  });

  test("a scenario that recorded its own row and then failed its assertion is not listed twice", async () => {
    const body = recorded(
      "9b records then fails",
      async () => {
        recordScenario("9b records then fails", [], [], [{ name: "a data check", ok: false }], 1);
        throw new Error("expect failed");
      },
      () => ({}),
    );
    await expect(body()).rejects.toThrow("expect failed");
    expect(formatSummary("t").split("9b records then fails").length - 1).toBe(2); // table row + detail
  });
});

describe("chaos/topology summary: a process that died", () => {
  test("a scenario that recorded a failing row while its API died gets the API's last lines added", async () => {
    const api = { output: () => "booting\nsegfault-ish last words\n", alive: () => false };
    const body = recorded(
      "9c api died",
      async () => {
        recordScenario("9c api died", [], [], [{ name: "answers 200", ok: false }], 1);
        throw new Error("expect failed");
      },
      () => ({ api }),
    );
    await expect(body()).rejects.toThrow("expect failed");
    expect(formatSummary("t")).toContain(
      "api exited, output: \n        booting\n        segfault-ish last words",
    );
  });
});
