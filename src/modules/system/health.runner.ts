import { withTimeout } from "../../lib/timeout";
import type { CheckResult, HealthCheck, HealthReport, HealthStatus } from "./health.types";

export const DEFAULT_CHECK_TIMEOUT_MS = 1500;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one check within its own time bound; a throw or a timeout is a `down` result, never an exception. */
export async function runCheck(check: HealthCheck): Promise<CheckResult> {
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const controller = new AbortController();
  const started = performance.now();
  const critical = check.critical ?? false;
  try {
    const outcome = await withTimeout(
      Promise.resolve().then(() => check.run(controller.signal)),
      timeoutMs,
      check.name,
      () => controller.abort(),
    );
    return { name: check.name, critical, latencyMs: elapsed(started), ...outcome };
  } catch (err) {
    return {
      name: check.name,
      critical,
      latencyMs: elapsed(started),
      status: "down",
      message: messageOf(err),
    };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/** A critical check down → down; anything else not ok → degraded. */
export function overallStatus(results: CheckResult[]): HealthStatus {
  if (results.some((r) => r.critical && r.status === "down")) return "down";
  if (results.some((r) => r.status !== "ok")) return "degraded";
  return "ok";
}

/** Every check in parallel, so the report takes as long as the slowest bound, not their sum. */
export async function runChecks(checks: HealthCheck[]): Promise<HealthReport> {
  const started = performance.now();
  const results = await Promise.all(checks.map(runCheck));
  return {
    status: overallStatus(results),
    checkedAt: new Date().toISOString(),
    durationMs: elapsed(started),
    checks: Object.fromEntries(results.map((r) => [r.name, r])),
  };
}

/**
 * Caches an async result for `ttlMs` and shares one in-flight run between concurrent callers, so a
 * flood of health requests or scrapes never becomes a flood of deep checks.
 */
export function cachedRunner<T>(
  run: () => Promise<T>,
  ttlMs: number | ((value: T) => number),
): { get(): Promise<T> } {
  let value: T | null = null;
  let at = 0;
  let inFlight: Promise<T> | null = null;
  const ttlOf = typeof ttlMs === "function" ? ttlMs : () => ttlMs;
  return {
    get() {
      if (value !== null && Date.now() - at < ttlOf(value)) return Promise.resolve(value);
      inFlight ??= run()
        .then((v) => {
          value = v;
          at = Date.now();
          return v;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
  };
}
