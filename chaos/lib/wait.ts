/** Polls `probe` every `everyMs` until it returns true; returns the ms it took, or null on timeout. */
export async function msUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      if (await probe()) return performance.now() - t0;
    } catch {
      // not yet
    }
    await Bun.sleep(everyMs);
  }
  return null;
}

export async function healthOf(
  base: string,
): Promise<{ status: number; body: { status?: string; reasons?: string[] } }> {
  const res = await fetch(`${base}/api/system/health`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as { status?: string; reasons?: string[] } };
}
/** Polls until `probe` is true (errors count as "not yet"); throws naming `what` on timeout. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
  everyMs = 200,
): Promise<number> {
  const t0 = performance.now();
  let last: unknown;
  while (performance.now() - t0 < timeoutMs) {
    try {
      if (await probe()) return performance.now() - t0;
    } catch (err) {
      last = err;
    }
    await Bun.sleep(everyMs);
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ""}`,
  );
}
