import postgres from "postgres";
import type { Call } from "./load";

// The requests the fault scenarios send while something breaks: what a dashboard reads with a
// session, what a load balancer and anonymous clients read without one, and logins.

export const PUBLIC_PATHS = [
  "/api/system/health",
  "/api/system/health/live",
  "/api/system/health/ready",
  "/api/system/version",
  "/api/openapi.json",
];

export interface ReadTargets {
  minCaseId: number;
  maxCaseId: number;
  courtId: number;
}

export async function readTargets(databaseUrl: string): Promise<ReadTargets> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [c] = await sql`select min(id)::int as min, max(id)::int as max from cases`;
    const [court] = await sql`select id from courts where level = 'trial' order by code limit 1`;
    return { minCaseId: c!.min, maxCaseId: c!.max, courtId: court!.id };
  } finally {
    await sql.end();
  }
}

/** Authenticated reads, the dashboard's bread and butter; the i-th one of a fixed rotation. */
/**
 * Authenticated reads, the dashboard's bread and butter; the i-th one of a fixed rotation. Case
 * pages go to `tokens[0]` (an admin: every case is in scope), the rest alternate between the tokens
 * (a court-scoped viewer resolves its scope through the cache).
 */
export function authRead(i: number, t: ReadTargets, tokens: string[]): Call {
  const id = t.minCaseId + ((i * 7919) % (t.maxCaseId - t.minCaseId + 1));
  const casePaths = [
    `/api/cases/${id}`,
    `/api/cases?courtId=${t.courtId}&status=active&limit=20`,
    `/api/cases/${id}/activities`,
  ];
  const otherPaths = ["/api/courts", "/api/courts/tree", "/api/time-standards", "/api/judges?limit=20"];
  const all = [...casePaths, ...otherPaths];
  const path = all[i % all.length]!;
  const token = casePaths.includes(path) ? tokens[0]! : tokens[i % tokens.length]!;
  return { label: "auth read", path, init: { headers: { authorization: `Bearer ${token}` } } };
}

export function publicRead(i: number): Call {
  return { label: "public read", path: PUBLIC_PATHS[i % PUBLIC_PATHS.length]! };
}

export function loginCall(who: { email: string; password: string }): Call {
  return {
    label: "login",
    path: "/api/auth/login",
    init: { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(who) },
  };
}
