// Same-work baseline of GET /api/cases/:id (`bun run bench`): a bare Bun.serve doing what the app's
// route does — the bearer check (bench/bare/auth.ts), the app's case-detail SQL on raw postgres.js
// (a pool of 10, prepared statements, as DATABASE_POOL_MAX and DATABASE_PREPARE), and the same JSON
// (src/modules/cases/cases.service.ts detail()). No framework, ORM or middleware.
import { Redis } from "ioredis";
import postgres from "postgres";
import { todayIso } from "../../src/lib/dates";
import { caseAgeAt, type StatusEvent } from "../../src/modules/cases/cases.age";
import { bareEnv, createBearerCheck, loadScripts } from "./auth";

const env = bareEnv();
const sql = postgres(env.databaseUrl, { max: 10, onnotice: () => {} });
const redis = new Redis(env.redisUrl, { enableAutoPipelining: true });
await loadScripts(redis);
const check = createBearerCheck(env, redis, sql);

/** "a b" → [a, b] (the SQL joins two space-free values with one space). */
function pair(text: string): [string, string] {
  const at = text.indexOf(" ");
  return [text.slice(0, at), text.slice(at + 1)];
}

// src/modules/cases/cases.repo.ts caseDetailSql, for a caller who sees every court.
const detail = (id: number) => sql`
    select c.id, c.case_number as "caseNumber", c.case_type::text as "caseType", c.filed_on::text as "filedOn",
      c.status::text as "status", c.status_on::text as "statusOn", c.disposed_on::text as "disposedOn",
      c.disposition::text as "disposition", c.version,
      to_json(c.created_at) #>> '{}' as "createdAt", to_json(c.updated_at) #>> '{}' as "updatedAt",
      ct.id as "courtId", ct.code as "courtCode", ct.name as "courtName",
      j.id as "judgeId", j.code as "judgeCode", j.name as "judgeName",
      array(
        select a.type::text || ' ' || a.occurred_on::text
        from case_activities a
        where a.case_id = c.id
          and a.type in ('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed')
        order by a.occurred_on, a.id
      ) as "events",
      array(
        select t.percent::text || ' ' || t.days::text
        from time_standards t where t.case_type = c.case_type
        order by t.percent
      ) as "tiers"
    from cases c
    cross join lateral (select ct.id, ct.code, ct.name from courts ct where ct.id = c.court_id limit 1) ct
    left join lateral (select j.id, j.code, j.name from judges j where j.id = c.judge_id limit 1) j on true
    where c.id = ${id}::int and true`;

Bun.serve({
  port: env.port,
  hostname: "127.0.0.1",
  async fetch(req) {
    const path = new URL(req.url).pathname;
    const m = /^\/api\/cases\/(\d{1,10})$/.exec(path);
    if (!m) return Response.json({ error: { code: "NOT_FOUND" } }, { status: 404 });
    const id = Number(m[1]);
    if (id < 1 || id > 2_147_483_647)
      return Response.json({ error: { code: "VALIDATION_FAILED", field: "id" } }, { status: 400 });
    const caller = await check(req);
    if (caller instanceof Response) return caller;
    const [row] = await detail(id);
    if (!row)
      return Response.json({ error: { code: "NOT_FOUND", message: "Case not found" } }, { status: 404 });
    const events = (row.events as string[]).map((e): StatusEvent => {
      const [type, on] = pair(e);
      return { type: type as StatusEvent["type"], on };
    });
    const tiers = (row.tiers as string[]).map((t) => {
      const [percent, days] = pair(t);
      return { percent: Number(percent), days: Number(days) };
    });
    const asOf = todayIso();
    const age = caseAgeAt(events, asOf);
    const maxDays = tiers.length > 0 ? Math.max(...tiers.map((t) => t.days)) : null;
    return Response.json({
      id: Number(row.id),
      caseNumber: row.caseNumber,
      caseType: row.caseType,
      filedOn: row.filedOn,
      status: row.status,
      statusOn: row.statusOn,
      disposedOn: row.disposedOn,
      disposition: row.disposition,
      court: { id: Number(row.courtId), code: row.courtCode, name: row.courtName },
      judge:
        row.judgeId === null ? null : { id: Number(row.judgeId), code: row.judgeCode, name: row.judgeName },
      ...age,
      standard:
        maxDays === null
          ? null
          : {
              tiers,
              maxDays,
              status: age.ageDays === null ? null : age.ageDays > maxDays ? "over" : "within",
            },
      asOf,
      version: Number(row.version),
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
    });
  },
});
process.stdout.write(`bare same-work case server on ${env.port}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
