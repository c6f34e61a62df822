import { expect } from "bun:test";
import type { TestApp } from "./app";
import { TEST_PASSWORD } from "./factories";

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: { id: number; role: string; courtId: number | null };
}

/** Logs in through the real endpoint; each call uses its own IP so the login rate limit stays out of the way. */
let ipCounter = 0;
export async function login(t: TestApp, email: string, password = TEST_PASSWORD): Promise<LoginResult> {
  ipCounter++;
  const res = await t.app.request("/api/auth/login", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": `10.9.${ipCounter >> 8}.${ipCounter & 255}`,
    },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as LoginResult;
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

export async function call(
  t: TestApp,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes; assertions check them
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await t.app.request(path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (CSV, HTML)
  }
  return { status: res.status, body, headers: res.headers };
}

/**
 * An error answer (from `call`, or a raw Response) as a client reads it: the status, the code of the error envelope and, for a 400
 * VALIDATION_FAILED, the field it names (`body.email`, `query.limit`…), so a test fails when the right
 * status comes for the wrong reason.
 */
export async function expectError(
  res: Response | { status: number; body: unknown },
  status: number,
  code: string,
  field?: string,
): Promise<void> {
  const body =
    res instanceof Response
      ? await res
          .clone()
          .json()
          .catch(() => null)
      : res.body;
  const error = (body as { error?: { code?: string; details?: { path: string }[] } } | null)?.error;
  expect({ status: res.status, code: error?.code }).toEqual({ status, code });
  if (field !== undefined) expect((error?.details ?? []).map((d) => d.path)).toContain(field);
}
