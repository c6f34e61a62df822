// `bun run bench:micro [--quick] [--only <section>,…]`: microbenchmarks of hand-written pieces, each
// against the maintained library it stands in for, on the same input in the same process, and the
// per-request costs that tests used to count by patching globals (Response constructions, JSON.parse
// revivers). Prints one table per section; docs/benchmarks.md keeps the numbers and what they decide.
//
//   --quick          a short round per case (to prove the script works; numbers are rough)
//   --only <names>   comma-separated sections: edge, codec, csv, multipart, lru, redis
//
//   BENCH_MICRO_REDIS_URL  default redis://127.0.0.1:6379/13 (only keys under bench-micro: are written,
//                          and removed; the redis section is skipped when Redis does not answer)
//
// Timings are ns per operation, best of several rounds (the least disturbed by other processes). On a
// shared or busy machine they move; the ratios in one run are what to read.

import { parse as csvParseStream } from "csv-parse";
import { parse as csvParseSync } from "csv-parse/sync";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { Registry } from "prom-client";
import type { AppEnv } from "../src/app-env";
import { CsvParser, type CsvRecord } from "../src/lib/csv-parser";
import { httpEdge, requestIdMiddleware } from "../src/lib/http-edge";
import { createLogger } from "../src/lib/logger";
import { multipartParts } from "../src/lib/multipart";
import { decodeValue, encodeValue } from "../src/redis/codec";
import { LruStore } from "../src/redis/memory/lru-store";
import { redisMetrics } from "../src/redis/metrics";
import { createRedisRateLimiter } from "../src/redis/rate-limiter";
import { createRedisRequestGate, sequentialGate } from "../src/redis/request-gate";
import { rateLimitHit, runScript } from "../src/redis/scripts";
import { createRedisSessionManager } from "../src/redis/session-manager";
import { CliError, EXIT_USAGE, parseCli, runCli, say } from "./lib/cli";

const USAGE = "usage: bun run bench:micro [--quick] [--only edge,codec,csv,multipart,lru,redis]";
const SECTIONS = ["edge", "codec", "csv", "multipart", "lru", "redis"] as const;
type Section = (typeof SECTIONS)[number];

let roundMs = 300;
let rounds = 5;

/** ns per call of fn: batches until a round lasts roundMs, best of `rounds` rounds. */
async function nsPerOp(fn: () => unknown): Promise<number> {
  const first = fn();
  const sync = !(first instanceof Promise);
  await first;
  let batch = 1;
  // Size a batch to about a tenth of a round.
  for (;;) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < batch; i++) sync ? fn() : await fn();
    const ms = (Bun.nanoseconds() - t0) / 1e6;
    if (ms >= roundMs / 10 || batch >= 1 << 24) break;
    batch *= 2;
  }
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const t0 = Bun.nanoseconds();
    let elapsed = 0;
    while (elapsed < roundMs * 1e6) {
      if (sync) for (let i = 0; i < batch; i++) fn();
      else for (let i = 0; i < batch; i++) await fn();
      ops += batch;
      elapsed = Bun.nanoseconds() - t0;
    }
    best = Math.min(best, elapsed / ops);
  }
  return best;
}

/**
 * ns per call of ours and of the library's, measured in the order ours, library, library, ours and
 * each the better of its two: whichever runs first no longer pays the warm-up of the JIT and the
 * connection (and later rounds do not favour the one measured last).
 */
async function pair(
  ours: () => unknown,
  library: () => unknown,
  per = 1,
): Promise<{ ours: number; library: number }> {
  const o1 = await nsPerOp(ours);
  const l1 = await nsPerOp(library);
  const l2 = await nsPerOp(library);
  const o2 = await nsPerOp(ours);
  return { ours: Math.min(o1, o2) / per, library: Math.min(l1, l2) / per };
}

interface Row {
  case: string;
  ours: number;
  library: number;
  libraryName: string;
  note?: string;
}

function fmt(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function table(title: string, rows: Row[]): void {
  say(`\n## ${title}\n`);
  say("| case | ours | library | library / ours | note |");
  say("|---|---|---|---|---|");
  for (const r of rows) {
    say(
      `| ${r.case} | ${fmt(r.ours)} | ${fmt(r.library)} (${r.libraryName}) | ${(r.library / r.ours).toFixed(2)}× | ${r.note ?? ""} |`,
    );
  }
}

// ── edge: http-edge.ts against Hono's requestId() + secureHeaders() + cors() ────────────────────────

const ORIGIN = "https://dash.example.org";
const CORS = {
  origins: [ORIGIN],
  allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
  exposeHeaders: ["X-Request-Id", "Retry-After"],
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  maxAgeSeconds: 600,
};

function oursEdgeApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestIdMiddleware);
  app.use("*", httpEdge({ cors: CORS, corsPrefix: "/api" }));
  app.get("/api/health", (c) => c.json({ status: "ok" }));
  app.get("/api/private", (c) => c.json({ error: { code: "UNAUTHENTICATED" } }, 401));
  return app;
}

function honoEdgeApp(): Hono {
  const app = new Hono();
  app.use("*", requestId({ headerName: "X-Request-Id" }));
  app.use("*", secureHeaders());
  app.use(
    "/api/*",
    cors({
      origin: CORS.origins as string[],
      credentials: true,
      allowHeaders: CORS.allowHeaders,
      exposeHeaders: CORS.exposeHeaders,
      allowMethods: CORS.allowMethods,
      maxAge: CORS.maxAgeSeconds,
    }),
  );
  app.get("/api/health", (c) => c.json({ status: "ok" }));
  app.get("/api/private", (c) => c.json({ error: { code: "UNAUTHENTICATED" } }, 401));
  return app;
}

/** Response objects built while fn runs (Hono copies one into another when middleware touches c.res). */
async function responsesBuilt(fn: () => unknown): Promise<number> {
  const Real = globalThis.Response;
  let built = 0;
  globalThis.Response = class extends Real {
    constructor(...args: ConstructorParameters<typeof Response>) {
      super(...args);
      built++;
    }
  } as typeof Response;
  try {
    await fn();
  } finally {
    globalThis.Response = Real;
  }
  return built;
}

async function benchEdge(): Promise<void> {
  const ours = oursEdgeApp();
  const hono = honoEdgeApp();
  const cases: [string, string, Record<string, string>][] = [
    ["200, no Origin", "/api/health", {}],
    ["200, CORS origin", "/api/health", { Origin: ORIGIN }],
    ["401 answer", "/api/private", {}],
  ];
  const rows: Row[] = [];
  for (const [name, path, headers] of cases) {
    const o = await responsesBuilt(() => ours.request(path, { headers }));
    const h = await responsesBuilt(() => hono.request(path, { headers }));
    rows.push({
      case: name,
      ...(await pair(
        () => ours.request(path, { headers }),
        () => hono.request(path, { headers }),
      )),
      libraryName: "hono cors+secureHeaders+requestId",
      note: `Response objects per answer: ours ${o}, library ${h}`,
    });
  }
  const preflight = { Origin: ORIGIN, "Access-Control-Request-Method": "POST" };
  rows.push({
    case: "preflight",
    ...(await pair(
      () => ours.request("/api/health", { method: "OPTIONS", headers: preflight }),
      () => hono.request("/api/health", { method: "OPTIONS", headers: preflight }),
    )),
    libraryName: "hono cors+secureHeaders+requestId",
  });
  table("edge: src/lib/http-edge.ts vs Hono middleware (app.request, in process)", rows);
}

// ── codec: cached values without a Date skip the JSON.parse reviver ────────────────────────────────

async function benchCodec(): Promise<void> {
  const summary = {
    kpis: Array.from({ length: 40 }, (_, i) => ({
      name: `measure-${i}`,
      value: i / 41,
      trend: Array.from({ length: 12 }, (_, m) => m * i),
    })),
    n: null,
  };
  const plain = encodeValue(summary)!;
  const dated = encodeValue({ ...summary, at: new Date("2026-01-02T03:04:05.678Z") })!;
  const reviver = (_k: string, v: unknown) => v;
  // How often decodeValue hands JSON.parse a reviver (it runs for every value of the document).
  const parse = JSON.parse;
  let revivers = 0;
  JSON.parse = ((text: string, r?: Parameters<typeof parse>[1]) => {
    if (r) revivers++;
    return parse(text, r);
  }) as typeof JSON.parse;
  decodeValue(plain);
  const plainRevivers = revivers;
  decodeValue(dated);
  const datedRevivers = revivers - plainRevivers;
  JSON.parse = parse;
  table("codec: decodeValue (src/redis/codec.ts) vs JSON.parse with a reviver on every value", [
    {
      case: "measure summary without a Date",
      ...(await pair(
        () => decodeValue(plain),
        () => JSON.parse(plain, reviver),
      )),
      libraryName: "JSON.parse + reviver",
      note: `revivers run: ${plainRevivers} (with a Date: ${datedRevivers})`,
    },
  ]);
}

// ── csv: CsvParser vs csv-parse ─────────────────────────────────────────────────────────────────────

function csvText(rows: number): string {
  const lines = ["case_number,court_code,filed_on,case_type,status,disposed_on,note"];
  for (let i = 0; i < rows; i++) {
    const note =
      i % 10 === 0
        ? `"said ""hello"", then
left"`
        : i % 3 === 0
          ? `"a, b"`
          : "plain";
    lines.push(`CV-2026-${i},C${i % 7},2026-01-${String((i % 28) + 1).padStart(2, "0")},civil,open,,${note}`);
  }
  return `${lines.join("\r\n")}\r\n`;
}

function chunksOf(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function oursCsv(chunks: string[]): number {
  const p = new CsvParser();
  const out: CsvRecord[] = [];
  let n = 0;
  for (const c of chunks) {
    p.push(c, out);
    n += out.length;
    out.length = 0;
  }
  p.finish(out);
  return n + out.length;
}

/** csv-parse as the import would use it: streamed, lenient quotes, with each record's line. */
function libCsv(chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const parser = csvParseStream({
      relax_quotes: true,
      relax_column_count: true,
      info: true,
      skip_empty_lines: true,
    });
    let n = 0;
    parser.on("readable", () => {
      while (parser.read() !== null) n++;
    });
    parser.on("error", reject);
    parser.on("end", () => resolve(n));
    for (const c of chunks) parser.write(c);
    parser.end();
  });
}

async function benchCsv(): Promise<void> {
  const rows: Row[] = [];
  for (const size of [1_000, 20_000]) {
    const text = csvText(size);
    const chunks = chunksOf(text, 64 * 1024);
    const a = oursCsv(chunks);
    const b = await libCsv(chunks);
    const c = csvParseSync(text, { relax_quotes: true, relax_column_count: true }).length;
    if (a !== b || a !== c) throw new Error(`csv: record counts differ (${a}, ${b}, ${c})`);
    rows.push({
      case: `${size} rows (${(text.length / 1024).toFixed(0)} KiB), 64 KiB chunks`,
      ...(await pair(
        () => oursCsv(chunks),
        () => libCsv(chunks),
      )),
      libraryName: "csv-parse stream, info",
    });
    rows.push({
      case: `${size} rows, whole text`,
      ...(await pair(
        () => oursCsv([text]),
        () => csvParseSync(text, { relax_quotes: true, relax_column_count: true }),
      )),
      libraryName: "csv-parse/sync",
    });
  }
  table("csv: src/lib/csv-parser.ts vs csv-parse", rows);
}

// ── multipart: multipartParts vs Request.formData (what Hono's parseBody calls) ─────────────────────

function multipartBody(fileBytes: number): { body: Uint8Array; boundary: string } {
  const boundary = "----courtflowbench7MA4YWxkTrZu0gW";
  const file = Buffer.alloc(fileBytes, "CV-2026-1,C1,2026-01-01,civil,open,,plain\r\n");
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="court"\r\n\r\nC1\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cases.csv"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: new Uint8Array(Buffer.concat([head, file, tail])), boundary };
}

function streamOf(body: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.subarray(at, at + chunk));
      at += chunk;
    },
  });
}

async function oursMultipart(body: Uint8Array, boundary: string): Promise<number> {
  let bytes = 0;
  for await (const part of multipartParts(streamOf(body), boundary, { maxBytes: 1 << 30 })) {
    for await (const chunk of part.data) bytes += chunk.byteLength;
  }
  return bytes;
}

async function libMultipart(body: Uint8Array, boundary: string): Promise<number> {
  const req = new Request("http://x/upload", {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    body: streamOf(body),
    duplex: "half",
  });
  const form = await req.formData();
  const file = form.get("file") as File;
  return (form.get("court") as string).length + file.size;
}

async function benchMultipart(): Promise<void> {
  const rows: Row[] = [];
  for (const size of [64 * 1024, 4 * 1024 * 1024]) {
    const { body, boundary } = multipartBody(size);
    const a = await oursMultipart(body, boundary);
    const b = await libMultipart(body, boundary);
    if (a !== b) throw new Error(`multipart: byte counts differ (${a}, ${b})`);
    rows.push({
      case: `a field and a ${size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`} file, 64 KiB chunks`,
      ...(await pair(
        () => oursMultipart(body, boundary),
        () => libMultipart(body, boundary),
      )),
      libraryName: "Request.formData",
      note: "formData holds the whole body in memory; ours streams the file part",
    });
  }
  table("multipart: src/lib/multipart.ts vs Request.formData / Hono parseBody", rows);
}

// ── lru: LruStore (lru-cache, expiry on the injected clock) vs lru-cache alone ──────────────────────────

async function benchLru(): Promise<void> {
  const max = 10_000;
  const keys = Array.from({ length: 4 * max }, (_, i) => `cf:cache:measures:${(i * 7919) % (2 * max)}`);
  const value = JSON.stringify({ value: 0.98, trend: [1, 2, 3] });
  const ours = new LruStore<string>(max);
  const lib = new LRUCache<string, string>({ max, ttl: 60_000, ttlResolution: 0 });
  let i = 0;
  const oursMix = () => {
    const k = keys[i++ % keys.length]!;
    if (ours.get(k) === undefined) ours.set(k, value, Date.now() + 60_000);
  };
  let j = 0;
  const libMix = () => {
    const k = keys[j++ % keys.length]!;
    if (lib.get(k) === undefined) lib.set(k, value, { ttl: 60_000 });
  };
  const oursSet = () => ours.set(keys[i++ % keys.length]!, value, Date.now() + 60_000);
  const libSet = () => lib.set(keys[j++ % keys.length]!, value, { ttl: 60_000 });
  table(
    `lru: src/redis/memory/lru-store.ts (on lru-cache, expiry on the clock) vs lru-cache with its own TTL (max ${max})`,
    [
      {
        case: "get, set on a miss (half the keys fit)",
        ...(await pair(oursMix, libMix)),
        libraryName: "lru-cache",
      },
      {
        case: "set (evicting)",
        ...(await pair(oursSet, libSet)),
        libraryName: "lru-cache",
      },
    ],
  );
}

// ── redis: runScript vs ioredis defineCommand; the request gate vs two scripts ──────────────────────

async function benchRedis(): Promise<void> {
  const url = process.env.BENCH_MICRO_REDIS_URL ?? "redis://127.0.0.1:6379/13";
  const client = new Redis(url, { enableAutoPipelining: true, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    say(`\n## redis: skipped (${url}: ${(err as Error).message})`);
    client.disconnect();
    return;
  }
  const prefix = `bench-micro:${process.pid}:`;
  try {
    client.defineCommand("benchRateLimitHit", { numberOfKeys: 1, lua: rateLimitHit.lua });
    const defined = client as unknown as { benchRateLimitHit(key: string, ms: number): Promise<unknown> };
    const key = `${prefix}rl`;
    const rows: Row[] = [
      {
        case: "rate-limit hit, one at a time",
        ...(await pair(
          () => runScript(client, rateLimitHit, key, [60_000]),
          () => defined.benchRateLimitHit(key, 60_000),
        )),
        libraryName: "ioredis defineCommand",
      },
      {
        case: "rate-limit hit, 32 at once",
        ...(await pair(
          () => Promise.all(Array.from({ length: 32 }, () => runScript(client, rateLimitHit, key, [60_000]))),
          () => Promise.all(Array.from({ length: 32 }, () => defined.benchRateLimitHit(key, 60_000))),
          32,
        )),
        libraryName: "ioredis defineCommand",
      },
    ];
    table("redis scripts: runScript (src/redis/scripts.ts) vs ioredis defineCommand", rows);

    const metrics = redisMetrics(new Registry());
    const logger = createLogger({ level: "silent" });
    const sessions = createRedisSessionManager(client, { metrics, logger });
    const limiter = createRedisRateLimiter(client, { metrics });
    const gate = createRedisRequestGate(client, { metrics, sessions });
    const twoSteps = sequentialGate(sessions, limiter);
    const session = await sessions.create(
      1,
      { role: "admin", courtId: null, ip: null, userAgent: null, refreshJti: "j" },
      600,
    );
    const limit = { key: `${prefix}user:1`, max: 1_000_000_000, windowSeconds: 60 };
    const [a, b] = [await gate.admit(session.id, 1, limit), await twoSteps.admit(session.id, 1, limit)];
    if (!a.session || !b.session || !a.rate || !b.rate) throw new Error("redis: the gates did not admit");
    table("request gate: one Lua script (src/redis/request-gate.ts) vs session read + rate-limit hit", [
      {
        case: "admit, one at a time",
        ...(await pair(
          () => gate.admit(session.id, 1, limit),
          () => twoSteps.admit(session.id, 1, limit),
        )),
        libraryName: "sessions.get then rateLimiter.hit",
        note: "one round trip vs two",
      },
      {
        case: "admit, 32 at once",
        ...(await pair(
          () => Promise.all(Array.from({ length: 32 }, () => gate.admit(session.id, 1, limit))),
          () => Promise.all(Array.from({ length: 32 }, () => twoSteps.admit(session.id, 1, limit))),
          32,
        )),
        libraryName: "sessions.get then rateLimiter.hit",
      },
    ]);
    await sessions.delete(session.id);
  } finally {
    const keys = await client.keys(`${prefix}*`);
    const rl = await client.keys(`*${prefix}*`);
    if (keys.length + rl.length > 0) await client.del(...keys, ...rl);
    client.disconnect();
  }
}

const RUN: Record<Section, () => Promise<void>> = {
  edge: benchEdge,
  codec: benchCodec,
  csv: benchCsv,
  multipart: benchMultipart,
  lru: benchLru,
  redis: benchRedis,
};

runCli(async () => {
  const { values } = parseCli(
    process.argv.slice(2),
    { quick: { type: "boolean" }, only: { type: "string" } } as const,
    USAGE,
  );
  if (values.quick) {
    roundMs = 40;
    rounds = 2;
  }
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : [...SECTIONS];
  for (const s of only)
    if (!(SECTIONS as readonly string[]).includes(s))
      throw new CliError(`unknown section ${s}\n\n${USAGE}`, EXIT_USAGE);
  say(
    `# bench:micro — Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores${values.quick ? ", --quick" : ""}`,
  );
  for (const s of only as Section[]) await RUN[s]();
  return 0;
});
