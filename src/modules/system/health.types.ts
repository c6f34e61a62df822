/** What a single check found: `warn` is working but needs attention; `down` is not working. */
export type CheckStatus = "ok" | "warn" | "down";

/** Overall answer: `degraded` still serves (e.g. Redis down, the API falls back); `down` does not. */
export type HealthStatus = "ok" | "degraded" | "down";

export interface CheckOutcome {
  status: CheckStatus;
  /** Why it is not ok, in one line an operator can act on. */
  message?: string;
  details?: Record<string, unknown>;
}

export interface CheckResult extends CheckOutcome {
  name: string;
  latencyMs: number;
  /** A critical check that is down makes the whole service down (503). */
  critical: boolean;
}

export interface HealthCheck {
  name: string;
  /** Down when the check does not answer within this bound (default 1500 ms). */
  timeoutMs?: number;
  critical?: boolean;
  run(signal: AbortSignal): Promise<CheckOutcome>;
}

export interface HealthReport {
  status: HealthStatus;
  checkedAt: string;
  durationMs: number;
  checks: Record<string, CheckResult>;
}
