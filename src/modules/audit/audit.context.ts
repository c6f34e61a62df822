import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { clientIp } from "../../lib/client-ip";
import type { AuditEntry } from "./audit.repo";

/** Who/where of the current request, for audit rows. */
export function auditContext(
  c: Context<AppEnv>,
  trustProxy: boolean,
): Pick<AuditEntry, "userId" | "requestId" | "ip"> {
  return {
    userId: c.get("user")?.id ?? null,
    requestId: c.get("requestId") ?? null,
    ip: clientIp(c, trustProxy),
  };
}
