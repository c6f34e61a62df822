// Same-work baseline of GET /api/system/health (`bun run bench`): a bare Bun.serve answering what the
// app's quick health answers — the database pinged (SELECT 1) at most every 2 s, the result reused
// meanwhile (src/modules/system/health.service.ts), Redis judged from the client's connection state
// (no I/O), the same JSON and Cache-Control. No framework, ORM or middleware.
import { Redis } from "ioredis";
import postgres from "postgres";
import { bareEnv } from "./auth";

const env = bareEnv();
const sql = postgres(env.databaseUrl, { max: 10, onnotice: () => {} });
const redis = new Redis(env.redisUrl);
const startedAt = Date.now();
const TTL_MS = 2000;
let ping: { at: number; ok: Promise<boolean> } | null = null;

function databaseUp(): Promise<boolean> {
  if (!ping || Date.now() - ping.at >= TTL_MS) {
    const ok = Promise.race([sql`select 1`.then(() => true), Bun.sleep(1000).then(() => false)]).catch(
      () => false,
    );
    ping = { at: Date.now(), ok };
  }
  return ping.ok;
}

Bun.serve({
  port: env.port,
  hostname: "127.0.0.1",
  async fetch() {
    const uptimeSeconds = Math.round((Date.now() - startedAt) / 1000);
    const headers = { "Cache-Control": "no-store" };
    if (!(await databaseUp()))
      return Response.json(
        { status: "down", uptimeSeconds, version: "0.1.0", reasons: ["database not answering"] },
        { status: 503, headers },
      );
    const reasons = redis.status === "ready" ? [] : ["redis main down"];
    return Response.json(
      {
        status: reasons.length ? "degraded" : "ok",
        uptimeSeconds,
        version: "0.1.0",
        ...(reasons.length ? { reasons } : {}),
      },
      { headers },
    );
  },
});
process.stdout.write(`bare same-work health server on ${env.port}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
