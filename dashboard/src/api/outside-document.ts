import { call } from "./client";
import { apiErrorOf } from "./errors";
import { tokens } from "./tokens";

// The operators' routes under /api/system are not in today's OpenAPI document, so the typed client has
// no types for them. Each is one small typed function here, with its shape written from the server's
// code (src/modules/system, src/modules/queues); when the document gains them, replace these with
// `api.GET(...)` calls and delete the hand-written types. Listed in docs/dashboard.md.

export interface HealthSummary {
  status: "ok" | "degraded" | "down";
  uptimeSeconds: number;
  version: string;
  reasons?: string[];
}

export interface HealthCheckResult {
  name: string;
  status: "ok" | "warn" | "down";
  message?: string;
  latencyMs: number;
  critical: boolean;
}

export interface HealthDetailed {
  status: "ok" | "degraded" | "down";
  checkedAt: string;
  checks: Record<string, HealthCheckResult>;
}

export interface QueueReport {
  name: string;
  counts: Record<string, number>;
  failed: { id?: string; name?: string; failedReason?: string }[];
  schedulers: {
    id: string;
    name: string;
    pattern: string | null;
    every: number | null;
    next: string | null;
  }[];
}

export interface QueuesAnswer {
  mode: "bullmq" | "in-process" | "none";
  queues: QueueReport[];
}

async function send<T>(
  method: string,
  path: string,
): Promise<{ data?: T; error?: unknown; response: Response }> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const t = tokens();
  if (t) headers.Authorization = `Bearer ${t.accessToken}`;
  const response = await fetch(path, { method, headers });
  const body = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  return response.ok ? { data: body as T, response } : { error: body, response };
}

/** GET /api/system/health: public, the quick summary (status and the reasons it is not ok). */
export async function getHealth(): Promise<HealthSummary> {
  // 503 still carries the summary: a down service is something to show, not an error.
  const r = await send<HealthSummary>("GET", "/api/system/health");
  if (r.response.status === 503 && r.error) return r.error as HealthSummary;
  if (!r.response.ok) throw apiErrorOf(r.response, r.error);
  return r.data as HealthSummary;
}

/**
 * GET /api/system/health/detailed: every check. Open only when no METRICS_TOKEN is configured (it is
 * a metrics-token route, not a user route); null when the token guards it.
 */
export async function getHealthDetailed(): Promise<HealthDetailed | null> {
  const r = await send<HealthDetailed>("GET", "/api/system/health/detailed");
  if (r.response.status === 401) return null;
  if (r.response.status === 503 && r.error) return r.error as HealthDetailed;
  if (!r.response.ok) throw apiErrorOf(r.response, r.error);
  return r.data as HealthDetailed;
}

/** GET /api/system/queues (admins): counts by state per queue. */
export function getQueues(): Promise<QueuesAnswer> {
  return call(() => send<QueuesAnswer>("GET", "/api/system/queues?failed=5"));
}

/** POST /api/system/queues/board-session (admins): the cookie that opens the queue board. */
export function openBoardSession(): Promise<{ url: string; expiresIn: number }> {
  return call(() => send<{ url: string; expiresIn: number }>("POST", "/api/system/queues/board-session"));
}
