// Uncached latency of every measure, one request at a time (what a dashboard user waits for on a
// cache miss). The measure routes are found in the app's own OpenAPI document, so a measure added
// later is benchmarked without touching this file; `fresh=true` bypasses the cache.

export interface LatencyStats {
  name: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function timeRuns(name: string, runs: number, run: () => Promise<void>): Promise<LatencyStats> {
  for (let i = 0; i < 2; i++) await run(); // prepared statements, JIT, buffer cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { name, runs, p50Ms: quantile(times, 0.5), p95Ms: quantile(times, 0.95), maxMs: times.at(-1)! };
}

/** GET paths under /api/measures/ from the OpenAPI document (without path parameters). */
export async function measurePaths(base: string): Promise<string[]> {
  const res = await fetch(`${base}/api/openapi.json`);
  if (!res.ok) return [];
  const doc = (await res.json()) as { paths?: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths ?? {})
    .filter(([path, ops]) => path.startsWith("/api/measures/") && "get" in ops && !path.includes("{"))
    .map(([path]) => path)
    .sort();
}

/** Every measure route, all courts, one year ending today (the routes' default period), uncached. */
export async function uncachedMeasures(
  base: string,
  token: string,
  runs: number,
): Promise<{ stats: LatencyStats[]; errors: string[] }> {
  const paths = await measurePaths(base);
  const stats: LatencyStats[] = [];
  const errors: string[] = [];
  for (const path of paths) {
    const url = `${base}${path}?fresh=true`;
    let failed: string | null = null;
    const s = await timeRuns(path.replace("/api/measures/", ""), runs, async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) failed ??= `${path}: ${res.status}`;
    });
    if (failed) errors.push(failed);
    else stats.push(s);
  }
  return { stats, errors };
}
