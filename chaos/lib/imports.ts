import postgres from "postgres";
import { BENCH_COURTS, BENCH_JUDGES } from "../../scripts/lib/import-bench-data";

// Imports in the fault scenarios: the bench courts and judges the generated files refer to, the
// upload as the dashboard sends it, and the batch as the API reports it.

export type Batch = {
  id: number;
  status: string;
  counts: Record<"cases" | "activities", Record<string, number>>;
  progress: { phase: string; processedRows: number; totalRows: number };
  errorCount: number;
  /** Set once the measure refresh that follows the batch has taken in all its cases. */
  measuresRefreshedAt: string | null;
};

export const FINISHED = ["completed", "completed_with_errors", "failed"];

/** The bench courts (under the seed's state court) and their judges. */
export async function addBenchReferenceData(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [state] = await sql`select id from courts where parent_id is null limit 1`;
    const courts = await sql`insert into courts ${sql(
      BENCH_COURTS.map((code) => ({ code, name: `Chaos ${code}`, level: "trial", parent_id: state!.id })),
    )} returning id`;
    await sql`insert into judges ${sql(
      BENCH_JUDGES.map((code, i) => ({
        code,
        name: `Judge ${code}`,
        court_id: courts[i % courts.length]!.id,
      })),
    )}`;
  } finally {
    await sql.end();
  }
}

/** POST /api/imports; the response status and, on 202, the batch id. */
export async function uploadImport(
  base: string,
  token: string,
  files: { casesPath: string; activitiesPath: string },
  source = "chaos",
): Promise<{ status: number; id: number | null; body: string }> {
  const form = new FormData();
  form.append("source", source);
  form.append("extractDate", "2026-06-30");
  form.append("cases", Bun.file(files.casesPath), "cases.csv");
  form.append("activities", Bun.file(files.activitiesPath), "activities.csv");
  const res = await fetch(`${base}/api/imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const body = await res.text();
  const id = res.status === 202 ? ((JSON.parse(body) as { id: number }).id ?? null) : null;
  return { status: res.status, id, body };
}

export async function batchOf(base: string, token: string, id: number): Promise<Batch> {
  const res = await fetch(`${base}/api/imports/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as Batch;
}

/** Polls until the batch is finished; throws with its last state after `timeoutMs`. */
export async function waitForBatch(
  base: string,
  token: string,
  id: number,
  timeoutMs: number,
): Promise<Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const b = await batchOf(base, token, id);
      if (FINISHED.includes(b.status)) return b;
      if (Date.now() > deadline) throw new Error(`batch ${id} did not finish: ${JSON.stringify(b)}`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await Bun.sleep(250);
  }
}
