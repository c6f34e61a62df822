import { api, call } from "./client";
import { apiErrorOf } from "./errors";
import type { components } from "./schema.gen";

// The operators' routes under /api/system, through the typed client like every other call.

type S = components["schemas"];

/** GET /api/system/health: public, the quick summary (status and the reasons it is not ok). */
export async function getHealth(): Promise<S["Health"]> {
  const r = await api.GET("/api/system/health");
  if (r.data) return r.data;
  // 503 still carries the summary: a down service is something to show, not an error.
  if (r.response.status === 503 && r.error && "status" in r.error) return r.error;
  throw apiErrorOf(r.response, r.error);
}

/**
 * GET /api/system/health/detailed: every check. It takes the metrics token or an admin's access token
 * (the dashboard sends the latter); null if it is refused all the same.
 */
export async function getHealthDetailed(): Promise<S["DetailedHealth"] | null> {
  const r = await api.GET("/api/system/health/detailed");
  if (r.data) return r.data;
  if (r.response.status === 401 || r.response.status === 403) return null;
  if (r.response.status === 503 && r.error && "checks" in r.error) return r.error;
  throw apiErrorOf(r.response, r.error);
}

/** GET /api/system/queues (admins): counts by state per queue, the last five failures. */
export function getQueues(): Promise<S["Queues"]> {
  return call(() => api.GET("/api/system/queues", { params: { query: { failed: 5 } } }));
}

/** POST /api/system/queues/board-session (admins): the cookie that opens the queue board. */
export function openBoardSession(): Promise<S["QueueBoardSession"]> {
  return call(() => api.POST("/api/system/queues/board-session"));
}
