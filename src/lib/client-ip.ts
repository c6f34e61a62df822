import type { Context } from "hono";

/**
 * The caller's address: the left-most X-Forwarded-For entry only when TRUST_PROXY is set (behind a
 * load balancer), otherwise the socket address Bun reports. In-process test requests have neither.
 */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  const server = c.env as { requestIP?: (req: Request) => { address: string } | null } | undefined;
  try {
    const info = server?.requestIP?.(c.req.raw);
    if (info?.address) return info.address;
  } catch {
    // Not served by Bun.serve (app.request in tests).
  }
  return "unknown";
}
