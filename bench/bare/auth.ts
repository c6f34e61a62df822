// The bearer check of an authenticated CourtFlow request, done bare for the same-work baselines of
// `bun run bench` (bench/bare/case.ts, bench/bare/summary.ts): the same work as src/auth/middleware.ts
// with nothing around it (no framework, no error envelope, no logging, metrics or headers).
//
// - the JWT checked as the app checks it: src/auth/tokens.ts (jose HS256, issuer, audience, claims;
//   a verified token remembered until its exp);
// - the session read, touched and the caller's rate limit counted in one Redis round trip: the app's
//   own Lua script (src/redis/request-gate.ts), on the same keys, the session decoded as the session
//   manager stores it (src/redis/session-codec.ts);
// - the account's state (active, role, court) from PostgreSQL at most every 5 s per user and process,
//   as the app's AUTH_USER_STATE_TTL_MS default.
//
// Only admins and analysts (who see every court) are served: the bench logs in as the admin; a scoped
// role answers 403 here rather than re-implementing the court subtree.
import type { Redis } from "ioredis";
import type { Sql } from "postgres";
import { createTokenSigner, InvalidTokenError } from "../../src/auth/tokens";
import { sessionKeys } from "../../src/redis/keys";
import { sessionTouchAndHit } from "../../src/redis/request-gate";
import { decodeSession, pairsToRecord } from "../../src/redis/session-codec";

export interface BareEnv {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  jwtSecret: string;
  ratePerMin: number;
  windowS: number;
}

/** The environment `scripts/bench.ts` gives every bare server. */
export function bareEnv(): BareEnv {
  const need = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is required`);
    return v;
  };
  return {
    port: Number(need("PORT")),
    databaseUrl: need("DATABASE_URL"),
    redisUrl: need("REDIS_URL"),
    jwtSecret: need("JWT_SECRET"),
    ratePerMin: Number(process.env.API_RATE_LIMIT_PER_MIN ?? 600),
    windowS: Number(process.env.RATE_LIMIT_WINDOW_S ?? 60),
  };
}

const STATE_TTL_MS = 5000;
const json = (status: number, body: unknown) => Response.json(body, { status });

export interface Caller {
  userId: number;
  role: string;
}

/** A Caller, or the Response that refuses the request (401, 403, 429). */
export function createBearerCheck(env: BareEnv, redis: Redis, sql: Sql) {
  const tokens = createTokenSigner(env.jwtSecret);
  const states = new Map<number, { at: number; active: boolean; role: string; courtId: number | null }>();
  const windowMs = env.windowS * 1000;
  const unauthenticated = () => json(401, { error: { code: "UNAUTHENTICATED" } });

  async function stateOf(userId: number) {
    const known = states.get(userId);
    if (known && Date.now() - known.at < STATE_TTL_MS) return known;
    const [row] =
      await sql`select active, role::text as role, court_id as "courtId" from users where id = ${userId}`;
    if (!row) return null;
    const state = { at: Date.now(), active: row.active, role: row.role, courtId: row.courtId };
    states.set(userId, state);
    return state;
  }

  return async function check(req: Request): Promise<Caller | Response> {
    const header = req.headers.get("authorization");
    const token = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header)?.[1] : undefined;
    if (!token) return unauthenticated();
    let claims: Awaited<ReturnType<typeof tokens.verify>>;
    try {
      claims = await tokens.verify(token, "access");
    } catch (err) {
      if (err instanceof InvalidTokenError) return unauthenticated();
      throw err;
    }
    const reply = (await redis.evalsha(
      sessionTouchAndHit.sha,
      2,
      sessionKeys.session(claims.sessionId),
      `cf:rl:api:user:${claims.userId}`,
      JSON.stringify(new Date().toISOString()),
      JSON.stringify(claims.userId),
      windowMs,
    )) as [unknown, number | undefined, number | undefined] | null;
    if (reply === null) return unauthenticated();
    const session = decodeSession(claims.sessionId, pairsToRecord(reply[0]));
    if (!session || session.userId !== claims.userId || reply[1] === undefined) return unauthenticated();
    if (Number(reply[1]) > env.ratePerMin) return json(429, { error: { code: "RATE_LIMITED" } });
    const state = await stateOf(session.userId);
    if (!state?.active || state.role !== session.role || state.courtId !== session.courtId)
      return unauthenticated();
    if (session.role !== "admin" && session.role !== "analyst")
      return json(403, { error: { code: "FORBIDDEN", message: "bare baseline: admins and analysts only" } });
    return { userId: session.userId, role: session.role };
  };
}

/** Loads the session script once (EVALSHA then finds it, as in the app after a first EVAL). */
export async function loadScripts(redis: Redis): Promise<void> {
  await redis.script("LOAD", sessionTouchAndHit.lua);
}
