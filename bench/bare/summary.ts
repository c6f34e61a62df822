// Same-work baseline of GET /api/measures/summary, cached (`bun run bench`): a bare Bun.serve doing
// what the app does on a cache hit — the bearer check (bench/bare/auth.ts), the default period
// (the year to today), one GET of the same Redis key the app and the nightly warm-up write
// (src/modules/maintenance/measures-warmup.ts summaryCacheKey), the same coverage block, ETag and JSON
// (src/modules/measures/measures.routes.ts). No framework, ORM or middleware.
import { Redis } from "ioredis";
import postgres from "postgres";
import { addYears, todayIso } from "../../src/lib/dates";
import { bareEnv, createBearerCheck, loadScripts } from "./auth";

const env = bareEnv();
const sql = postgres(env.databaseUrl, { max: 10, onnotice: () => {} });
const redis = new Redis(env.redisUrl, { enableAutoPipelining: true });
await loadScripts(redis);
const check = createBearerCheck(env, redis, sql);

Bun.serve({
  port: env.port,
  hostname: "127.0.0.1",
  async fetch(req) {
    if (new URL(req.url).pathname !== "/api/measures/summary")
      return Response.json({ error: { code: "NOT_FOUND" } }, { status: 404 });
    const caller = await check(req);
    if (caller instanceof Response) return caller;
    const to = todayIso();
    const from = addYears(to, -1);
    const raw = await redis.get(`cf:cache:measures:summary:2:all:${from}:${to}:${to}`);
    // The app computes a missing summary; this baseline only measures the hit.
    if (raw === null) return Response.json({ error: { code: "NOT_CACHED" } }, { status: 503 });
    const value = {
      coverage: {
        from,
        to,
        asOf: to,
        filters: { courtId: null, caseType: null, judgeId: null },
        courtIds: null,
      },
      ...(JSON.parse(raw) as object),
    };
    const etag = `"summary-${Bun.hash(JSON.stringify(value)).toString(36)}"`;
    const dataAsOf = (value as { dataAsOf?: string | null }).dataAsOf;
    const headers: Record<string, string> = { ETag: etag, "Cache-Control": "private, no-cache" };
    if (dataAsOf) headers["Data-As-Of"] = dataAsOf;
    if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return Response.json(value, { headers });
  },
});
process.stdout.write(`bare same-work summary server on ${env.port}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
