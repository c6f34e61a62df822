import { expect } from "bun:test";
import { type Config, loadConfig } from "../../src/config/env";
import { connectWithRetry, createDb } from "../../src/db/client";
import { createTestApp, type TestApp } from "../../test/helpers/app";
import { call, login } from "../../test/helpers/http";
import { SECURE_JWT_SECRET, type Service, startWorkerProcess } from "./processes";
import { SEED_ADMIN } from "./world";

// The main HTTP flows a court's staff goes through, against the real app built from an environment
// (in process, so failures show their cause) and the real worker process with the same environment:
// log in, courts, judges, users, time standards, measures, an import through the worker, the
// retention job, the audit trail, then every GET route of the OpenAPI document. Each step asserts
// what a user would see; a missing privilege anywhere turns into a 5xx or a failed job here.

export function configFrom(env: Record<string, string>): Config {
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    JWT_SECRET: SECURE_JWT_SECRET,
    API_RATE_LIMIT_PER_MIN: "100000",
    LOGIN_RATE_LIMIT_PER_MIN: "1000",
    ...env,
  });
}

/** The app over an environment's PostgreSQL and Redis, connected (as the API start-up connects). */
export async function appFrom(env: Record<string, string>): Promise<TestApp> {
  const config = configFrom(env);
  const db = await createDb(config);
  await connectWithRetry(db, { retries: 2 });
  const t = await createTestApp({ config, db });
  const close = t.close;
  return {
    ...t,
    async close() {
      await close();
      await db.close();
    },
  };
}

export interface FlowReport {
  /** GET routes of the OpenAPI document that answered 200. */
  routesSwept: number;
  importMs: number;
  totalMs: number;
}

const FINISHED = ["completed", "completed_with_errors", "failed"];
const today = "2026-06-30";

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(100);
  }
}

/** Asserts a response status, showing the body when it is not the expected one. */
function ok(res: { status: number; body: unknown }, status: number, what: string): void {
  if (res.status !== status)
    throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
}

/**
 * Runs the flows with `env` (database and Redis settings). `tag` keeps the rows each run creates
 * apart. The worker process gets the same environment.
 */
export async function runMainFlows(env: Record<string, string>, tag: string): Promise<FlowReport> {
  const started = performance.now();
  const t = await appFrom(env);
  let worker: Service | null = null;
  try {
    worker = await startWorkerProcess(env);
    const admin = await login(t, SEED_ADMIN.email, SEED_ADMIN.password);
    const token = admin.accessToken;
    const as = (method: string, path: string, body?: unknown) => call(t, method, path, { token, body });

    // Auth: who am I, token rotation, sessions.
    ok(await as("GET", "/api/auth/me"), 200, "me");
    const refreshed = await call(t, "POST", "/api/auth/refresh", {
      body: { refreshToken: admin.refreshToken },
    });
    ok(refreshed, 200, "refresh");
    ok(await as("GET", "/api/auth/sessions"), 200, "sessions");

    // Courts and judges: create, rename, assign.
    const courts = await as("GET", "/api/courts?limit=200");
    ok(courts, 200, "courts");
    const d01 = courts.body.data.find((c: { code: string }) => c.code === "D01");
    expect(d01).toBeDefined();
    const court = await as("POST", "/api/courts", {
      code: `${tag}-CT`,
      name: `Secure ${tag} Court`,
      level: "limited",
      parentId: d01.id,
    });
    ok(court, 201, "create court");
    ok(
      await as("PATCH", `/api/courts/${court.body.id}`, { name: `Secure ${tag} Court (renamed)` }),
      200,
      "rename court",
    );
    const judge = await as("POST", "/api/judges", { code: `${tag}-J`, name: `Hon. ${tag}`, courtId: d01.id });
    ok(judge, 201, "create judge");
    ok(await as("PATCH", `/api/judges/${judge.body.id}`, { name: `Hon. ${tag} Jr.` }), 200, "rename judge");
    ok(
      await as("POST", `/api/judges/${judge.body.id}/assignments`, {
        courtId: court.body.id,
        startsOn: "2026-01-01",
      }),
      201,
      "assign judge",
    );

    // Users: an admin creates a viewer, who logs in; then the admin changes and removes it.
    const email = `${tag.toLowerCase()}.viewer@courtflow.dev`;
    const user = await as("POST", "/api/users", {
      email,
      name: `Viewer ${tag}`,
      password: "secure-viewer-password-1",
      role: "viewer",
      courtId: d01.id,
    });
    ok(user, 201, "create user");
    const viewer = await login(t, email, "secure-viewer-password-1");
    ok(await call(t, "GET", "/api/auth/me", { token: viewer.accessToken }), 200, "viewer me");
    ok(
      await as("PATCH", `/api/users/${user.body.id}`, { name: `Viewer ${tag} (renamed)` }),
      200,
      "update user",
    );

    // Time standards: writing one back recomputes the backlog rollups of its case type.
    const standards = await as("GET", "/api/time-standards");
    ok(standards, 200, "time standards");
    const felony = standards.body.data.find((s: { caseType: string }) => s.caseType === "felony");
    ok(
      await as("PUT", "/api/time-standards/felony", {
        tiers: felony.tiers.map((x: { percent: number; days: number }) => ({
          percent: x.percent,
          days: x.days,
        })),
      }),
      200,
      "put time standard",
    );

    // Measures, twice: the second answer comes from the cache.
    for (const m of [
      "clearance",
      "time-to-disposition",
      "pending-age",
      "backlog",
      "trial-date-certainty",
      "continuances",
    ]) {
      for (let i = 0; i < 2; i++)
        ok(await as("GET", `/api/measures/${m}?from=2025-07-01&to=${today}`), 200, m);
    }

    // An import, processed by the worker process.
    const importStarted = performance.now();
    const cases = [
      "court_code,case_number,case_type,filed_on,status,status_on,judge_code,disposed_on,disposition",
    ];
    const acts = ["source_id,court_code,case_number,type,occurred_on,outcome,judge_code,notes"];
    for (let i = 0; i < 40; i++) {
      cases.push(`D01,${tag}-${i},felony,2026-0${(i % 5) + 1}-1${i % 9},active,,,,`);
      acts.push(`${tag}-A${i},D01,${tag}-${i},hearing,2026-06-0${(i % 9) + 1},held,,`);
    }
    const form = new FormData();
    form.append("source", `secure-${tag}`);
    form.append("extractDate", today);
    form.append(
      "cases",
      new File([`${cases.join("\r\n")}\r\n`], "cases.csv", { type: "text/csv" }),
      "cases.csv",
    );
    form.append(
      "activities",
      new File([`${acts.join("\r\n")}\r\n`], "activities.csv", { type: "text/csv" }),
      "activities.csv",
    );
    const upload = await t.app.request("/api/imports", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const uploaded = (await upload.json()) as { id: number };
    ok({ status: upload.status, body: uploaded }, 202, "upload");
    const batch = await waitFor("import finished", async () => {
      const r = await as("GET", `/api/imports/${uploaded.id}`);
      return FINISHED.includes(r.body.status) ? r.body : null;
    });
    const importMs = performance.now() - importStarted;
    expect({ status: batch.status, errors: batch.errorCount }).toEqual({ status: "completed", errors: 0 });
    const imported = await as("GET", `/api/cases?courtId=${d01.id}&limit=200`);
    ok(imported, 200, "cases after import");

    // The retention job on the worker: audit rows go through the owner's purge function.
    const maintenance = (t.deps.jobs as unknown as { bullQueues(): import("bullmq").Queue[] })
      .bullQueues()
      .find((q) => q.name === "maintenance")!;
    const job = await maintenance.add("retention", { auditDays: 30 });
    const state = await waitFor("retention job", async () => {
      const s = await job.getState();
      return s === "completed" || s === "failed" ? s : null;
    });
    const finished = await maintenance.getJob(job.id!);
    expect({ state, reason: finished?.failedReason ?? null }).toEqual({ state: "completed", reason: null });

    // The audit trail shows what was done.
    const audit = await as("GET", "/api/audit?limit=200");
    ok(audit, 200, "audit");
    const actions = new Set(audit.body.data.map((a: { action: string }) => a.action));
    expect(actions.size).toBeGreaterThan(3);

    // Every GET route of the API answers 200 (path parameters from what the flows created).
    const doc = await as("GET", "/api/openapi.json");
    ok(doc, 200, "openapi");
    const ids: Record<string, string> = {
      courts: String(court.body.id),
      judges: String(judge.body.id),
      users: String(user.body.id),
      imports: String(uploaded.id),
      cases: String(imported.body.data[0]?.id),
      sessions: "x",
    };
    let routesSwept = 0;
    for (const [path, item] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      if (!item.get || /\/sessions\/|\/queues|\/metrics|\/docs/.test(path)) continue;
      const url = path
        .replace(/\/api\/([a-z-]+)\/\{id\}/, (_m, resource: string) => `/api/${resource}/${ids[resource]}`)
        .replace("{caseType}", "felony")
        .replace(/\{[^}]+\}/g, "1");
      const res = await as(
        "GET",
        url.startsWith("/api/measures/") ? `${url}?from=2025-07-01&to=${today}` : url,
      );
      ok(res, 200, `GET ${url}`);
      routesSwept++;
    }

    // The operators' queue report and the queue board's API (job counts, workers: CLIENT LIST, INFO).
    ok(await as("GET", "/api/system/queues"), 200, "queue report");
    const board = await t.app.request("/admin/queues/api/queues", {
      headers: { authorization: `Bearer ${token}` },
    });
    const boardBody = (await board.json()) as { queues?: { name: string }[] };
    ok({ status: board.status, body: boardBody }, 200, "queue board");
    expect(boardBody.queues?.map((q) => q.name).sort()).toEqual(["imports", "maintenance", "measures"]);

    // Health: the database (migrations readable) and each Redis client are fine.
    const health = await as("GET", "/api/system/health/detailed");
    ok(health, 200, "health");
    const bad = Object.entries(health.body.checks as Record<string, { status: string; message?: string }>)
      .filter(([name, c]) => (name === "database" || name.startsWith("redis")) && c.status !== "ok")
      .map(([name, c]) => `${name}: ${c.status} ${c.message ?? ""}`);
    expect(bad).toEqual([]);

    // Nothing refused or degraded on the way: a cache without rights would only log and miss.
    const suspicious = /NOPERM|WRONGPASS|NOAUTH|"level":(50|60)|degrading|redis down|certificate/;
    expect(t.logs.lines.filter((l) => suspicious.test(l))).toEqual([]);
    expect(
      worker
        .output()
        .split("\n")
        .filter((l) => suspicious.test(l)),
    ).toEqual([]);

    const removed = await as("DELETE", `/api/users/${user.body.id}`);
    ok(removed, 200, "deactivate user");
    expect(removed.body.active).toBe(false);
    ok(await call(t, "POST", "/api/auth/logout", { token, body: {} }), 200, "logout");
    ok(await as("GET", "/api/auth/me"), 401, "me after logout");
    // The worker shuts down cleanly (exit 0) after all that.
    const code = await worker.stop();
    if (code !== 0) throw new Error(`worker exited with ${code}:\n${worker.output()}`);
    return { routesSwept, importMs: Math.round(importMs), totalMs: Math.round(performance.now() - started) };
  } finally {
    await worker?.stop();
    await t.close();
  }
}
