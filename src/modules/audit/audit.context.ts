import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { clientIp } from "../../lib/client-ip";
import type { AuditContext } from "./audit.repo";

/** Who/where of the current request, for audit rows. */
export function auditContext(c: Context<AppEnv>, trustProxy: boolean): AuditContext {
  return {
    userId: c.get("user")?.id ?? null,
    requestId: c.get("requestId") ?? null,
    ip: clientIp(c, trustProxy),
  };
}
