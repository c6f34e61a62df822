// The peer of `bun run bench` (docs/benchmarks.md#the-peer): CourtFlow's three benchmarked endpoints
// built the conventional way — Express 5 on Node, node-postgres with a pool of 10, ioredis, jose —
// with the same semantics as CourtFlow's:
//
//   GET /api/system/health        the database pinged (SELECT 1) at most every 2 s, Redis judged from
//                                 the client's connection state; { status, uptimeSeconds, version }
//   GET /api/cases/:id            bearer JWT (HS256, issuer, audience, claims) verified with jose; the
//                                 session read and touched and the caller's rate limit counted by the
//                                 same Lua script on the same keys as CourtFlow's session manager; the
//                                 account's state re-read at most every 5 s; the same SQL and JSON
//   GET /api/measures/summary     the same check, then one GET of the key CourtFlow caches the summary
//                                 under; the same coverage block, ETag (a SHA-1 here: Node has no
//                                 Bun.hash) and JSON
//
// What stays conventional: jose verifies the signature on every request, given the secret as bytes as
// its documentation shows (CourtFlow imports the key once and remembers verified
// tokens until they expire) and ioredis sends each command as it comes (CourtFlow auto-pipelines).
// Prisma, the seed stack's ORM, cannot run on the bench machine (its engines are downloaded at install),
// so the SQL goes through node-postgres as a named prepared statement.
//
//   PORT DATABASE_URL REDIS_URL JWT_SECRET [API_RATE_LIMIT_PER_MIN RATE_LIMIT_WINDOW_S] node server.js
import { createHash } from "node:crypto";
import express from "express";
import { Redis } from "ioredis";
import { jwtVerify } from "jose";
import pg from "pg";

const env = process.env;
for (const k of ["PORT", "DATABASE_URL", "REDIS_URL", "JWT_SECRET"]) {
  if (!env[k]) throw new Error(`${k} is required`);
}
const RATE_MAX = Number(env.API_RATE_LIMIT_PER_MIN ?? 600);
const WINDOW_MS = Number(env.RATE_LIMIT_WINDOW_S ?? 60) * 1000;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
const redis = new Redis(env.REDIS_URL);
const key = new TextEncoder().encode(env.JWT_SECRET);
const startedAt = Date.now();

// CourtFlow's src/redis/request-gate.ts sessionTouchAndHit, character for character (same SHA).
const SESSION_TOUCH_AND_HIT = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return false end
if kind ~= 'hash' then return { {} } end
redis.call('HSET', KEYS[1], 'lastAccessedAt', ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
if redis.call('HGET', KEYS[1], 'userId') ~= ARGV[2] then return { fields } end
local count = redis.call('INCR', KEYS[2])
local ttl = redis.call('PTTL', KEYS[2])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  ttl = tonumber(ARGV[3])
end
return { fields, count, ttl }`;
redis.defineCommand("sessionTouchAndHit", { numberOfKeys: 2, lua: SESSION_TOUCH_AND_HIT });

const ROLES = new Set(["admin", "court_admin", "analyst", "viewer"]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A session hash as CourtFlow's session manager stores it (each field JSON-encoded), or null. */
function decodeSession(id, pairs) {
  if (!Array.isArray(pairs)) return null;
  const s = {};
  try {
    for (let i = 0; i + 1 < pairs.length; i += 2) s[pairs[i]] = JSON.parse(pairs[i + 1]);
  } catch {
    return null;
  }
  const ok =
    Number.isInteger(s.userId) &&
    s.userId > 0 &&
    ROLES.has(s.role) &&
    (s.courtId === null || Number.isInteger(s.courtId)) &&
    ISO.test(s.createdAt) &&
    ISO.test(s.lastAccessedAt) &&
    ISO.test(s.expiresAt);
  return ok ? { id, ...s } : null;
}

const states = new Map();
async function accountState(userId) {
  const known = states.get(userId);
  if (known && Date.now() - known.at < 5000) return known;
  const { rows } = await pool.query({
    name: "user-state",
    text: `select active, role::text as role, court_id as "courtId" from users where id = $1`,
    values: [userId],
  });
  if (!rows[0]) return null;
  const state = { at: Date.now(), ...rows[0] };
  states.set(userId, state);
  return state;
}

const fail = (res, status, code) => res.status(status).json({ error: { code } });

/** Bearer check, session and rate limit: the middleware of every authenticated route. */
async function authenticate(req, res, next) {
  try {
    const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(req.get("authorization") ?? "")?.[1];
    if (!token) return fail(res, 401, "UNAUTHENTICATED");
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ["HS256"],
        issuer: "courtflow",
        audience: "courtflow-dashboard",
        requiredClaims: ["exp", "iat", "sub", "jti"],
      }));
    } catch {
      return fail(res, 401, "UNAUTHENTICATED");
    }
    const userId = Number(payload.sub);
    if (payload.typ !== "access" || typeof payload.sid !== "string" || !Number.isSafeInteger(userId))
      return fail(res, 401, "UNAUTHENTICATED");
    const reply = await redis.sessionTouchAndHit(
      `cf:sess:id:${payload.sid}`,
      `cf:rl:api:user:${userId}`,
      JSON.stringify(new Date().toISOString()),
      JSON.stringify(userId),
      WINDOW_MS,
    );
    if (reply === null) return fail(res, 401, "UNAUTHENTICATED");
    const session = decodeSession(payload.sid, reply[0]);
    if (!session || session.userId !== userId || reply[1] === undefined)
      return fail(res, 401, "UNAUTHENTICATED");
    if (Number(reply[1]) > RATE_MAX) return fail(res, 429, "RATE_LIMITED");
    const state = await accountState(userId);
    if (!state?.active || state.role !== session.role || state.courtId !== session.courtId)
      return fail(res, 401, "UNAUTHENTICATED");
    // As the bare baselines: admins and analysts (every court); the bench logs in as the admin.
    if (session.role !== "admin" && session.role !== "analyst") return fail(res, 403, "FORBIDDEN");
    req.user = { id: userId, role: session.role, courtId: session.courtId };
    next();
  } catch (err) {
    next(err);
  }
}

let ping = null;
function databaseUp() {
  if (!ping || Date.now() - ping.at >= 2000) {
    const ok = Promise.race([
      pool.query("select 1").then(() => true),
      new Promise((r) => setTimeout(() => r(false), 1000)),
    ]).catch(() => false);
    ping = { at: Date.now(), ok };
  }
  return ping.ok;
}

const CASE_DETAIL = `
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
    where c.id = $1::int and true`;

// src/modules/measures/measures.dates.ts and src/modules/cases/cases.age.ts, in plain JS.
const MS_PER_DAY = 86_400_000;
const dayNumber = (iso) => {
  const [y, m, d] = iso.split("-").map(Number);
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
};
const daysBetween = (a, b) => dayNumber(b) - dayNumber(a);
const todayIso = () => new Date().toISOString().slice(0, 10);
function addYears(iso, years) {
  const [y, m, d] = iso.split("-").map(Number);
  const target = y + years;
  const lastDay = new Date(Date.UTC(target, m, 0)).getUTCDate();
  return `${String(target).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(Math.min(d, lastDay)).padStart(2, "0")}`;
}
const RANK = { filed: 0, reopened: 1, reactivated: 2, placed_inactive: 3, disposed: 4 };
function caseAgeAt(events, asOf) {
  const past = events.filter((e) => e.on <= asOf);
  let startDate = null;
  for (const e of past) {
    if ((e.type === "filed" || e.type === "reopened") && (startDate === null || e.on > startDate))
      startDate = e.on;
  }
  let lastDay = null;
  let lastRank = -1;
  for (const e of past) {
    if (lastDay === null || e.on > lastDay) {
      lastDay = e.on;
      lastRank = RANK[e.type];
    } else if (e.on === lastDay) lastRank = Math.max(lastRank, RANK[e.type]);
  }
  const activePending = startDate !== null && lastRank >= 0 && lastRank <= RANK.reactivated;
  let inactiveDays = 0;
  if (startDate !== null) {
    const reactivations = past.filter((e) => e.type === "reactivated").map((e) => e.on);
    for (const p of past) {
      if (p.type !== "placed_inactive" || p.on < startDate || p.on >= asOf) continue;
      const next = reactivations.filter((r) => r > p.on).sort()[0];
      const end = next !== undefined && next < asOf ? next : asOf;
      inactiveDays += daysBetween(p.on, end);
    }
  }
  return {
    startDate,
    inactiveDays,
    activePending,
    ageDays: activePending && startDate !== null ? daysBetween(startDate, asOf) - inactiveDays : null,
  };
}
const pair = (text) => {
  const at = text.indexOf(" ");
  return [text.slice(0, at), text.slice(at + 1)];
};

const app = express();
app.disable("x-powered-by");
app.set("etag", false);

app.get("/api/system/health", async (_req, res) => {
  const uptimeSeconds = Math.round((Date.now() - startedAt) / 1000);
  res.set("Cache-Control", "no-store");
  if (!(await databaseUp()))
    return res
      .status(503)
      .json({ status: "down", uptimeSeconds, version: "0.1.0", reasons: ["database not answering"] });
  const reasons = redis.status === "ready" ? [] : ["redis main down"];
  res.json({
    status: reasons.length ? "degraded" : "ok",
    uptimeSeconds,
    version: "0.1.0",
    ...(reasons.length ? { reasons } : {}),
  });
});

app.get("/api/cases/:id", authenticate, async (req, res, next) => {
  try {
    if (
      !/^\d{1,10}$/.test(req.params.id) ||
      Number(req.params.id) < 1 ||
      Number(req.params.id) > 2_147_483_647
    )
      return res.status(400).json({ error: { code: "VALIDATION_FAILED", field: "id" } });
    const { rows } = await pool.query({
      name: "case-detail",
      text: CASE_DETAIL,
      values: [Number(req.params.id)],
    });
    const row = rows[0];
    if (!row) return res.status(404).json({ error: { code: "NOT_FOUND", message: "Case not found" } });
    const events = row.events.map((e) => {
      const [type, on] = pair(e);
      return { type, on };
    });
    const tiers = row.tiers.map((t) => {
      const [percent, days] = pair(t);
      return { percent: Number(percent), days: Number(days) };
    });
    const asOf = todayIso();
    const age = caseAgeAt(events, asOf);
    const maxDays = tiers.length > 0 ? Math.max(...tiers.map((t) => t.days)) : null;
    res.json({
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
  } catch (err) {
    next(err);
  }
});

app.get("/api/measures/summary", authenticate, async (req, res, next) => {
  try {
    const to = todayIso();
    const from = addYears(to, -1);
    const raw = await redis.get(`cf:cache:measures:summary:all:${from}:${to}:${to}`);
    if (raw === null) return res.status(503).json({ error: { code: "NOT_CACHED" } });
    const value = {
      coverage: {
        from,
        to,
        asOf: to,
        filters: { courtId: null, caseType: null, judgeId: null },
        courtIds: null,
      },
      ...JSON.parse(raw),
    };
    const etag = `"summary-${createHash("sha1").update(JSON.stringify(value)).digest("base64url")}"`;
    res.set({ ETag: etag, "Cache-Control": "private, no-cache" });
    if (req.get("if-none-match") === etag) return res.status(304).end();
    res.json(value);
  } catch (err) {
    next(err);
  }
});

app.use((err, _req, res, _next) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  res.status(500).json({ error: { code: "INTERNAL" } });
});

const server = app.listen(Number(env.PORT), "127.0.0.1", () => {
  process.stdout.write(`express peer on ${env.PORT}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
