import type { AppDeps } from "../../deps";

export type HealthStatus = "ok" | "degraded" | "down";

/**
 * The load balancers' quick check. The database is pinged at most once per `intervalMs`, so a flood
 * of health requests never turns into a flood of queries.
 */
export function createHealthService(
  deps: Pick<AppDeps, "db" | "lifecycle">,
  opts: { intervalMs?: number } = {},
) {
  const intervalMs = opts.intervalMs ?? 2000;
  let lastCheckAt = 0;
  let dbOk = false;
  let inFlight: Promise<void> | null = null;

  async function checkDatabase(): Promise<void> {
    try {
      await Promise.race([
        deps.db.ping(),
        Bun.sleep(1500).then(() => {
          throw new Error("database ping timed out");
        }),
      ]);
      dbOk = true;
    } catch {
      dbOk = false;
    } finally {
      lastCheckAt = Date.now();
    }
  }

  return {
    async quick(): Promise<{ status: HealthStatus; uptimeSeconds: number }> {
      if (Date.now() - lastCheckAt > intervalMs) {
        inFlight ??= checkDatabase().finally(() => {
          inFlight = null;
        });
        await inFlight;
      }
      const uptimeSeconds = Math.round((Date.now() - deps.lifecycle.startedAt.getTime()) / 1000);
      if (deps.lifecycle.draining || !dbOk) return { status: "down", uptimeSeconds };
      return { status: "ok", uptimeSeconds };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
