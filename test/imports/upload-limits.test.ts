import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import {
  ClientGoneError,
  guardUploadBody,
  UploadCutError,
} from "../../src/modules/imports/imports.upload-guard";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { expectError } from "../helpers/http";
import { tempDir } from "../helpers/process";
import { CASES_HEADER, count, csv, type ImportWorld, processNow, setupWorld, upload } from "./helpers";

// Per-user bounds on uploads: how many at once, how many batches waiting for a worker, how many bytes
// in staging. Each refusal is a 429 naming its setting, and leaves nothing behind.

const SLOW = 60_000;

describePgRedis("upload quotas", () => {
  let t: TestApp;
  let w: ImportWorld;
  let spool: string;

  beforeAll(async () => {
    spool = tempDir("spool-limits");
    t = await createTestApp({
      env: {
        IMPORT_MAX_UPLOADS_PER_USER: "2",
        IMPORT_MAX_ACTIVE_BATCHES_PER_USER: "2",
        IMPORT_MAX_STAGED_BYTES_PER_USER: "3000",
        IMPORT_SPOOL_DIR: spool,
        API_RATE_LIMIT_PER_MIN: "100000",
      },
    });
    w = await setupWorld(t);
  }, SLOW);
  afterAll(async () => {
    await t.close();
    rmSync(spool, { recursive: true, force: true });
  });

  /** An upload whose body never ends until `end()`: it holds its slot meanwhile. */
  function hangingUpload(token: string) {
    const boundary = "hanging-boundary";
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        c.enqueue(
          new TextEncoder().encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="cases"; filename="cases.csv"\r\n` +
              `Content-Type: text/csv\r\n\r\n${CASES_HEADER}\r\nD1,H-1,felony,2025-01-02,active,,,,\r\n`,
          ),
        );
      },
    });
    const response = t.app.request("/api/imports", {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
      },
      body,
    });
    return { response, end: () => controller.close() };
  }

  test(
    "a third upload at once is 429 (IMPORT_MAX_UPLOADS_PER_USER); another user is not affected",
    async () => {
      const a = hangingUpload(w.tokens.admin);
      const b = hangingUpload(w.tokens.admin);
      for (let i = 0; i < 100 && readdirSync(spool).length < 2; i++) await Bun.sleep(20);
      const third = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, ["D1,Q-1,felony,2025-01-02,active,,,,"]),
      });
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe("RATE_LIMITED");
      expect(third.body.error.message).toContain("IMPORT_MAX_UPLOADS_PER_USER");
      const other = await upload(t, w.tokens.analyst, {
        cases: csv(CASES_HEADER, ["D1,Q-2,felony,2025-01-02,active,,,,"]),
      });
      expect(other.status).toBe(202);
      a.end();
      b.end();
      // Cut short inside the file: 400, and their slots are free again.
      await expectError(await a.response, 400, "VALIDATION_FAILED", "body");
      await expectError(await b.response, 400, "VALIDATION_FAILED", "body");
      const again = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, ["D1,Q-3,felony,2025-01-02,active,,,,"]),
      });
      expect(again.status).toBe(202);
      expect(readdirSync(spool)).toEqual([]);
    },
    SLOW,
  );

  test(
    "a third batch queued at once is 429 (IMPORT_MAX_ACTIVE_BATCHES_PER_USER); nothing of it is kept",
    async () => {
      // The admin has one queued batch from the test before.
      expect(
        (
          await upload(t, w.tokens.admin, {
            cases: csv(CASES_HEADER, ["D1,Q-4,felony,2025-01-02,active,,,,"]),
          })
        ).status,
      ).toBe(202);
      const batches = await count(t, "select * from daily_import_batches");
      const staged = await count(t, "select * from import_staged_rows");
      const refused = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, ["D1,Q-5,felony,2025-01-02,active,,,,"]),
      });
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toContain("IMPORT_MAX_ACTIVE_BATCHES_PER_USER");
      expect(refused.body.error.message).toContain("You have 2 imports queued or processing");
      expect(refused.body.error.details).toBeUndefined();
      expect(await count(t, "select * from daily_import_batches")).toBe(batches);
      expect(await count(t, "select * from import_staged_rows")).toBe(staged);
    },
    SLOW,
  );

  test(
    "bytes a user keeps in staging are bounded (IMPORT_MAX_STAGED_BYTES_PER_USER), a partly failed batch's included",
    async () => {
      const rows = (tag: string, n: number) =>
        Array.from(
          { length: n },
          (_, i) => `D1,${tag}-${i},felony,${i === 0 ? "2025-13-01" : "2025-01-02"},active,,,,`,
        );
      const first = await upload(t, w.tokens.court_admin, { cases: csv(CASES_HEADER, rows("BIG", 40)) });
      expect(first.status).toBe(202);
      await processNow(t, first.body.id); // completed with errors: its rows stay for a retry
      const batches = await count(t, "select * from daily_import_batches");
      const second = await upload(t, w.tokens.court_admin, { cases: csv(CASES_HEADER, rows("MORE", 40)) });
      expect(second.status).toBe(429);
      expect(second.body.error.message).toContain("IMPORT_MAX_STAGED_BYTES_PER_USER");
      expect(await count(t, "select * from daily_import_batches")).toBe(batches);
      expect(readdirSync(spool)).toEqual([]);
    },
    SLOW,
  );
});

describe("the upload body guard", () => {
  const stalled = (bytes: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(bytes));
      },
    });
  const readAll = async (body: ReadableStream<Uint8Array>) => {
    for await (const _ of body) {
    }
  };

  test("a body slower than the minimum rate over the window is cut (too-slow)", async () => {
    const g = guardUploadBody(stalled(10), {
      deadlineMs: 60_000,
      minBytesPerSecond: 1000,
      windowMs: 200,
      tickMs: 20,
    });
    const err = await readAll(g.body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadCutError);
    expect((err as UploadCutError).reason).toBe("too-slow");
    expect((err as Error).message).toContain("IMPORT_UPLOAD_MIN_BYTES_PER_S");
  });

  test("a body past the deadline is cut (deadline), however fast it was", async () => {
    const g = guardUploadBody(stalled(1_000_000), {
      deadlineMs: 150,
      minBytesPerSecond: 0,
      windowMs: 100,
      tickMs: 20,
    });
    const err = await readAll(g.body).catch((e: unknown) => e);
    expect((err as UploadCutError).reason).toBe("deadline");
  });

  test("a client that disconnects shows as ClientGoneError; a complete body passes", async () => {
    const abort = new AbortController();
    const g = guardUploadBody(stalled(10), {
      deadlineMs: 60_000,
      minBytesPerSecond: 0,
      windowMs: 100,
      signal: abort.signal,
    });
    const reading = readAll(g.body).catch((e: unknown) => e);
    abort.abort();
    expect(await reading).toBeInstanceOf(ClientGoneError);
    const ok = guardUploadBody(new Response("complete").body!, {
      deadlineMs: 1000,
      minBytesPerSecond: 0,
      windowMs: 100,
    });
    expect(await new Response(ok.body).text()).toBe("complete");
    ok.dispose();
  });
});
