/** Polls until the condition holds; fails naming what it waited for. */
export async function waitUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

/** Redis clients connect in the background; health says degraded until they are up. */
export async function redisConnected(deps: {
  redis: { state(): Record<string, string> } | null;
}): Promise<void> {
  await waitUntil("every Redis client up", () =>
    Object.values(deps.redis?.state() ?? {}).every((s) => s === "up"),
  );
}
