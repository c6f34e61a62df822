import { describe, expect, test } from "bun:test";
import { freePort, waitForHttp } from "../helpers/process";

// The helper every process test waits with: when a child never gets ready, the failure must say why.

function child(script: string) {
  return Bun.spawn(["bun", "-e", script], { stdout: "pipe", stderr: "pipe" });
}

describe("waitForHttp", () => {
  test("a child that exits before answering: the error names the exit code and carries its stderr", async () => {
    const proc = child(`console.error("gone-marker: cannot open the database"); process.exit(3)`);
    const url = `http://127.0.0.1:${freePort()}/health`;
    const err = await waitForHttp(url, 30_000, { proc }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("exited with 3");
    expect((err as Error).message).toContain("gone-marker: cannot open the database");
  });

  test("a child that never listens: past the deadline the error carries its stdout and stderr tail", async () => {
    const proc = child(
      `console.log("still-loading-marker"); console.error("slow-marker"); setInterval(() => {}, 1000)`,
    );
    try {
      const url = `http://127.0.0.1:${freePort()}/health`;
      // Let it print before the deadline passes.
      await Bun.sleep(300);
      const err = await waitForHttp(url, 200, { proc }).catch((e: Error) => e);
      expect((err as Error).message).toContain(`no answer from ${url}`);
      expect((err as Error).message).toContain("still-loading-marker");
      expect((err as Error).message).toContain("slow-marker");
    } finally {
      proc.kill("SIGKILL");
    }
  });

  test("a caller that drains the pipes itself passes what it read", async () => {
    const url = `http://127.0.0.1:${freePort()}/health`;
    const err = await waitForHttp(url, 100, { output: () => "collected-by-the-caller" }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toContain("collected-by-the-caller");
  });
});
