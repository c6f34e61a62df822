import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import type { Logger } from "../lib/logger";
import type { ReadFences } from "../redis/read-fences";
import type { DbHandle } from "./client";
import { currentWalLsn, fenceOf, type ReadContext, runWithReadContext } from "./replicas";

// Read-your-writes with read replicas (mechanism: WAL-position fences; see replicas.ts and
// redis/read-fences.ts). Each API request runs in a read context:
//   - before the handler, the caller's fence (their last write's position, or the last cache
//     invalidation's) is looked up in Redis, waiting at most FENCE_WAIT_MS; without it (a slow or
//     failed lookup) the request's reads go to the primary;
//   - a request that writes reads the primary from its first write on (the router pins it);
//   - after a successful write request, the primary's WAL position becomes the caller's fence, before
//     the answer leaves: the next request, on this process or another, reads only from replicas that
//     have replayed it, else from the primary.
// Routes whose reads decide security (logins, sessions, users and their roles) always read the primary.

const PRIMARY_ONLY = /^\/api\/(auth|users|system)(\/|$)/;
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** One Redis round trip; past this the request does not wait (its reads go to the primary). */
const FENCE_WAIT_MS = 200;

/**
 * The `sub` of a bearer token, unverified. It only chooses which fence to look up: a forged token
 * can at most send its own request's reads to the primary (it is refused by authentication anyway).
 */
export function peekUserId(authorization: string | undefined): number | null {
  const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : null;
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const sub = Number(
      (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { sub?: unknown }).sub,
    );
    return Number.isSafeInteger(sub) && sub > 0 ? sub : null;
  } catch {
    return null;
  }
}

export function readYourWrites(deps: {
  db: Pick<DbHandle, "replicas" | "sql">;
  fences?: ReadFences | null;
  logger: Logger;
}): MiddlewareHandler<AppEnv> {
  const { db, fences, logger } = deps;
  const primary = db.sql;
  if (!db.replicas || !fences || !primary) return (_c, next) => next();
  return async (c, next) => {
    const primaryOnly = PRIMARY_ONLY.test(c.req.path);
    const ctx: ReadContext = { fence: undefined, primaryOnly };
    const peeked = peekUserId(c.req.header("authorization"));
    if (!primaryOnly) {
      // Awaited: started alongside the handler, a lookup still on its way at the first read (one
      // read in eight under load) sent that read to the primary for nothing.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        fences.lookup(peeked).then(
          (f) => {
            ctx.fence = fenceOf(f);
          },
          () => {},
        ),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, FENCE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    await runWithReadContext(ctx, () => next());
    if (!WRITE_METHODS.has(c.req.method) || c.res.status >= 400) return;
    const userId = c.get("user")?.id ?? peeked;
    if (userId === null) return;
    try {
      await fences.raise({ userId }, await currentWalLsn(primary));
    } catch (err) {
      // The write is done; only its read-your-writes guarantee is weaker (bounded by the lag limit).
      logger.warn({ err: (err as Error).message, userId }, "read fence not recorded after a write");
    }
  };
}
