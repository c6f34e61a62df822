import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { jobMetricsFor } from "../../src/jobs/metrics";
import { processBatch } from "../../src/modules/imports/imports.process";
import { type RefreshRunOptions, refreshOwedMeasures } from "../../src/modules/imports/imports.rollups";
import type { TestApp } from "../helpers/app";
import { makeJudge, resetData, seedStandards } from "../helpers/case-data";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { login } from "../helpers/http";

// Shared set-up of the import tests: a court tree, judges, one user per role, and helpers to upload
// and to wait for a batch.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as loose JSON in tests
export type Json = any;

export const CASES_HEADER =
  "court_code,case_number,case_type,filed_on,status,status_on,judge_code,disposed_on,disposition";
export const ACTIVITIES_HEADER = "source_id,court_code,case_number,type,occurred_on,outcome,judge_code,notes";

export interface ImportWorld {
  courts: Awaited<ReturnType<typeof makeCourtTree>>;
  tokens: { admin: string; analyst: string; court_admin: string; viewer: string };
  userIds: { admin: number; court_admin: number };
}

/** Empties everything, then courts STATE → D1 (→ D1-L), D2; judges J1 (D1), J2 (D2); one user per role. */
export async function setupWorld(t: TestApp): Promise<ImportWorld> {
  await resetData(t);
  const db = t.deps.db.db;
  await seedStandards(db);
  const courts = await makeCourtTree(db);
  await makeJudge(db, { code: "J1", courtId: courts.d1.id });
  await makeJudge(db, { code: "J2", courtId: courts.d2.id });
  const admin = await makeUser(db, { email: "admin@imp.org", role: "admin" });
  const courtAdmin = await makeUser(db, { email: "ca@imp.org", role: "court_admin", courtId: courts.d1.id });
  await makeUser(db, { email: "analyst@imp.org", role: "analyst" });
  await makeUser(db, { email: "viewer@imp.org", role: "viewer", courtId: courts.d1.id });
  const tokens = {
    admin: (await login(t, "admin@imp.org")).accessToken,
    analyst: (await login(t, "analyst@imp.org")).accessToken,
    court_admin: (await login(t, "ca@imp.org")).accessToken,
    viewer: (await login(t, "viewer@imp.org")).accessToken,
  };
  return { courts, tokens, userIds: { admin: admin.id, court_admin: courtAdmin.id } };
}

export function csv(header: string, rows: string[]): string {
  return `${[header, ...rows].join("\r\n")}\r\n`;
}

export interface UploadInput {
  cases?: string | Blob;
  activities?: string | Blob;
  source?: string;
  extractDate?: string;
  force?: boolean;
  /** Extra raw parts, e.g. a wrong file field. */
  extra?: [string, string | Blob, string?][];
}

export function uploadForm(input: UploadInput): FormData {
  const form = new FormData();
  if (input.source !== undefined) form.append("source", input.source);
  if (input.extractDate !== undefined) form.append("extractDate", input.extractDate);
  if (input.force) form.append("force", "true");
  const file = (v: string | Blob, name: string) =>
    typeof v === "string" ? new File([v], name, { type: "text/csv" }) : v;
  if (input.cases !== undefined) form.append("cases", file(input.cases, "cases.csv"), "cases.csv");
  if (input.activities !== undefined)
    form.append("activities", file(input.activities, "activities.csv"), "activities.csv");
  for (const [name, value, filename] of input.extra ?? []) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, value, filename ?? name);
  }
  return form;
}

export async function upload(
  t: TestApp,
  token: string,
  input: UploadInput,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await t.app.request("/api/imports", {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: uploadForm({ source: "test-cms", extractDate: "2026-01-15", ...input }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/**
 * Runs the batch to the end in this process (the processor the worker runs, without a queue), then,
 * unless `refresh: false`, the measure refresh the worker would run next (refreshNow).
 */
export async function processNow(
  t: TestApp,
  batchId: number,
  chunkSize = 1000,
  opts: { refresh?: boolean } = {},
) {
  const outcome = await processBatch(
    { db: t.deps.db.db, cache: t.deps.cache, logger: t.deps.logger, metrics: jobMetricsFor(t.deps.metrics) },
    batchId,
    { chunkSize },
  );
  if (opts.refresh !== false) await refreshNow(t);
  return outcome;
}

/** One run of the measure refresh job in this process: every waiting batch's cases. */
export function refreshNow(t: TestApp, opts: Partial<RefreshRunOptions> = {}) {
  return refreshOwedMeasures(
    { db: t.deps.db.db, cache: t.deps.cache, logger: t.deps.logger },
    { stepSize: 1000, ...opts },
  );
}

export async function getBatch(t: TestApp, token: string, id: number) {
  const res = await t.app.request(`/api/imports/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Json };
}

const FINISHED = ["completed", "completed_with_errors", "failed"];

/** Polls the batch through the API until it is finished. */
export async function waitFinished(t: TestApp, token: string, id: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getBatch(t, token, id);
    if (FINISHED.includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(`batch ${id} not finished within ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await Bun.sleep(100);
  }
}

/**
 * Polls the batch through the API until its measures are refreshed (measuresRefreshedAt set): what a
 * client does before reading figures that must include the batch.
 */
export async function waitRefreshed(t: TestApp, token: string, id: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getBatch(t, token, id);
    if (body.measuresRefreshedAt) return body;
    if (Date.now() > deadline)
      throw new Error(`batch ${id} not refreshed within ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await Bun.sleep(100);
  }
}

export async function count(t: TestApp, query: string): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await t.deps.db.db.execute(sql.raw(`select count(*)::int as n from (${query}) q`)),
  );
  return Number(rows[0]!.n);
}
