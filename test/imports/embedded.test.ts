import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createApp } from "../../src/app";
import type { InProcessRunner } from "../../src/jobs/runner";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg } from "../helpers/guards";
import { expectError } from "../helpers/http";
import { migratedPgliteDir } from "../helpers/pglite-template";
import { childEnv, freePort, ROOT, waitForHttp } from "../helpers/process";
import {
  ACTIVITIES_HEADER,
  CASES_HEADER,
  csv,
  getBatch,
  type ImportWorld,
  type Json,
  setupWorld,
  upload,
  uploadForm,
  waitFinished,
} from "./helpers";

const CASES = csv(CASES_HEADER, [
  "D1,E-1,felony,2025-01-10,active,,J1,,",
  "D2,E-2,traffic,2025-01-11,disposed,,,2025-02-01,plea",
]);
const ACTIVITIES = csv(ACTIVITIES_HEADER, ["EA1,D1,E-1,hearing,2025-02-01,continued,,"]);

/** Real logins (argon2), uploads and processing on a shared 2-core machine. */
const SLOW = 60_000;

describePg("embedded mode (no Redis): the in-process runner", () => {
  let t: TestApp;
  let w: ImportWorld;
  beforeAll(async () => {
    t = await createTestApp({ redis: "memory", env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    w = await setupWorld(t);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  test(
    "an upload is processed in the API process",
    async () => {
      expect(t.deps.jobs!.mode).toBe("in-process");
      const res = await upload(t, w.tokens.admin, { cases: CASES, activities: ACTIVITIES });
      expect(res.status).toBe(202);
      await (t.deps.jobs as InProcessRunner).idle();
      const { body } = await getBatch(t, w.tokens.admin, res.body.id);
      expect(body.status).toBe("completed");
      expect(body.counts.cases.inserted).toBe(2);
      expect(body.counts.activities.inserted).toBe(1);
      const queues = (await (
        await t.app.request("/api/system/queues", { headers: { authorization: `Bearer ${w.tokens.admin}` } })
      ).json()) as Json;
      expect(queues.mode).toBe("in-process");
      expect(queues.queues.map((q: Json) => q.name)).toEqual(["imports", "maintenance", "measures"]);
      // Real figures: the import job completed in this process (it used to say 0 whatever ran).
      const imports = queues.queues.find((q: Json) => q.name === "imports");
      expect(imports.counts).toMatchObject({ completed: 1, failed: 0, waiting: 0, active: 0 });
      // No BullMQ: no board, and opening one says why instead of handing out a URL that 404s.
      const board = await t.app.request("/admin/queues", {
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      await expectError(board, 404, "NOT_FOUND");
      const session = await t.app.request("/api/system/queues/board-session", {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      expect(session.status).toBe(409);
      expect(session.headers.get("set-cookie")).toBeNull();
      const refused = (await session.json()) as Json;
      expect(refused.error.code).toBe("CONFLICT");
      expect(refused.error.message).toContain("The queue board needs Redis (BullMQ)");
      expect(refused.error.message).toContain("GET /api/system/queues");
    },
    SLOW,
  );

  test(
    "metrics count the jobs the runner completed, and the queue report gives each schedule's next run",
    async () => {
      // As the API process wires it (bootstrap): the runner's queues feed courtflow_queue_jobs.
      const runner = t.deps.jobs as InProcessRunner;
      const app = createApp({ ...t.deps, queues: runner.queues() });
      const metrics = await (await app.request("/api/system/metrics")).text();
      expect(metrics).toMatch(/^courtflow_queue_jobs\{queue="imports",state="completed"[^}]*\} 1$/m);

      const before = Date.now();
      runner.start();
      const report = (await (
        await app.request("/api/system/queues", { headers: { authorization: `Bearer ${w.tokens.admin}` } })
      ).json()) as Json;
      const schedulers = report.queues.find((q: Json) => q.name === "maintenance").schedulers as Json[];
      const next = Object.fromEntries(schedulers.map((s) => [s.id, s.next]));
      expect(Object.keys(next).sort()).toEqual([
        "caseload-snapshot-nightly",
        "imports-recover",
        "measures-warmup-nightly",
        "retention-nightly",
      ]);
      expect(next["caseload-snapshot-nightly"]).toMatch(/T00:20:00\.\d{3}Z$/);
      expect(next["measures-warmup-nightly"]).toMatch(/T00:40:00\.\d{3}Z$/);
      expect(next["retention-nightly"]).toMatch(/T03:10:00\.\d{3}Z$/);
      for (const id of ["caseload-snapshot-nightly", "measures-warmup-nightly", "retention-nightly"]) {
        const at = Date.parse(next[id]);
        expect(at).toBeGreaterThan(before);
        expect(at).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
      }
      const recover = Date.parse(next["imports-recover"]);
      expect(recover).toBeGreaterThanOrEqual(before + 60_000);
      expect(recover).toBeLessThanOrEqual(Date.now() + 60_000);
      await runner.idle();
    },
    SLOW,
  );

  test(
    "batches left queued by an earlier process are picked up when the runner starts",
    async () => {
      // A process that staged the batch and stopped before any job ran: an app with no dispatcher.
      const silent = createApp({ ...t.deps, jobs: undefined });
      const res = await silent.request("/api/imports", {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}` },
        body: uploadForm({ cases: CASES.replaceAll("E-", "Q-"), source: "left", extractDate: "2026-01-02" }),
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: number };
      expect((await getBatch(t, w.tokens.admin, id)).body.status).toBe("queued");

      const runner = t.deps.jobs as InProcessRunner;
      runner.start({ schedules: false });
      const done = await waitFinished(t, w.tokens.admin, id, 30_000);
      expect(done.status).toBe("completed");
      expect(done.counts.cases.inserted).toBe(2);
    },
    SLOW,
  );

  test(
    "a retry of a partly failed batch starts over; rows fixed since then land",
    async () => {
      const res = await upload(t, w.tokens.admin, {
        cases: csv(CASES_HEADER, [
          "D1,R-1,felony,2025-01-10,active,,,,",
          "NEWCOURT,R-2,felony,2025-01-10,active,,,,",
        ]),
      });
      await (t.deps.jobs as InProcessRunner).idle();
      const first = (await getBatch(t, w.tokens.admin, res.body.id)).body;
      expect(first.status).toBe("completed_with_errors");
      const bad = await t.app.request(`/api/imports/${res.body.id}/retry`, {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.viewer}` },
      });
      await expectError(bad, 403, "FORBIDDEN");
      // The missing court is created; the retry lands the row that failed.
      const { makeCourt } = await import("../helpers/factories");
      await makeCourt(t.deps.db.db, { code: "NEWCOURT" });
      const retry = await t.app.request(`/api/imports/${res.body.id}/retry`, {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      expect(retry.status).toBe(202);
      await (t.deps.jobs as InProcessRunner).idle();
      const second = (await getBatch(t, w.tokens.admin, res.body.id)).body;
      expect(second).toMatchObject({ status: "completed", run: 2, errorCount: 0 });
      expect(second.counts.cases).toEqual({ total: 2, inserted: 1, updated: 0, unchanged: 1, failed: 0 });
      const again = await t.app.request(`/api/imports/${res.body.id}/retry`, {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      await expectError(again, 409, "CONFLICT");
    },
    SLOW,
  );
});

// What a newcomer runs: `bun run dev` with no .env — PGlite, no Redis — and an import through HTTP.
describe("embedded mode: the real API process on PGlite processes an upload", () => {
  test("upload → completed, without Redis or PostgreSQL", async () => {
    const dir = await migratedPgliteDir("embedded-import");
    const port = freePort();
    const proc = Bun.spawn(["bun", "src/index.ts"], {
      cwd: ROOT,
      env: childEnv({
        PORT: String(port),
        PGLITE_DIR: dir,
        NODE_ENV: "development",
        LOG_LEVEL: "warn",
        // The demo's logins, courts and judges are what this needs; 300 cases instead of 5 000.
        EMBEDDED_DEMO_CASES: "300",
      }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${base}/api/system/health`, 120_000, { proc, ok: (r) => r.status === 200 });
      // The demo seed (users and courts) runs in the background on first start.
      let token = "";
      const deadline = Date.now() + 60_000;
      while (!token) {
        const res = await fetch(`${base}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "admin@courtflow.dev", password: "dev-admin-password" }),
        });
        if (res.status === 200) token = ((await res.json()) as { accessToken: string }).accessToken;
        else if (Date.now() > deadline) throw new Error(`no login: ${res.status} ${await res.text()}`);
        else await Bun.sleep(500);
      }
      // The sample files of docs/imports.md (docs/samples), against the demo seed's courts and judges.
      const form = uploadForm({
        cases: Bun.file(`${ROOT}/docs/samples/cases.csv`),
        activities: Bun.file(`${ROOT}/docs/samples/activities.csv`),
        source: "embedded",
        extractDate: "2026-02-21",
      });
      const res = await fetch(`${base}/api/imports`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: number };
      let body: Json;
      const until = Date.now() + 90_000;
      do {
        await Bun.sleep(250);
        body = await (
          await fetch(`${base}/api/imports/${id}`, { headers: { authorization: `Bearer ${token}` } })
        ).json();
      } while (!["completed", "completed_with_errors", "failed"].includes(body.status) && Date.now() < until);
      expect(body.status).toBe("completed");
      expect(body.counts.cases).toEqual({ total: 3, inserted: 3, updated: 0, unchanged: 0, failed: 0 });
      expect(body.counts.activities).toEqual({ total: 5, inserted: 5, updated: 0, unchanged: 0, failed: 0 });
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
