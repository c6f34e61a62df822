import postgres from "postgres";
import { CHAOS_METRICS_TOKEN } from "../../chaos/lib/processes";

// What the topology scenarios read from the running processes and servers: metrics series, the
// detailed health report, one request at a time, and single SQL answers from a given server.

/** The value of one series in a Prometheus text exposition (summed over series matching `labels`). */
export function series(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries(
      [...(m[1] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[2]);
  }
  return sum;
}

export async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/api/system/metrics`, {
    headers: { authorization: `Bearer ${CHAOS_METRICS_TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`metrics: ${res.status} ${await res.text()}`);
  return res.text();
}

export interface DetailedHealth {
  status: string;
  checks: Record<string, { status: string; message?: string; details?: Record<string, unknown> }>;
}

export async function detailedHealth(base: string): Promise<DetailedHealth> {
  const res = await fetch(`${base}/api/system/health/detailed`, {
    headers: { authorization: `Bearer ${CHAOS_METRICS_TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`detailed health: ${res.status} ${await res.text()}`);
  return (await res.json()) as DetailedHealth;
}

export interface Answer<T = unknown> {
  status: number;
  code: string | null;
  body: T;
}

/** One JSON request; a network failure is status 0 with the error's code. */
export async function call<T = unknown>(
  base: string,
  path: string,
  opts: { token?: string; method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer<T>> {
  try {
    const res = await fetch(`${base}${path}`, {
      method: opts.method ?? "GET",
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    const code = res.status >= 400 ? ((body as { error?: { code?: string } })?.error?.code ?? null) : null;
    return { status: res.status, code, body: body as T };
  } catch (err) {
    return { status: 0, code: (err as { code?: string }).code ?? (err as Error).name, body: null as T };
  }
}

/** The first column of the first row of one statement. */
export async function scalar(url: string, query: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [r] = await sql.unsafe(query);
    return Number(Object.values(r ?? {})[0]);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export const percentile = (values: number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : 0;
};
