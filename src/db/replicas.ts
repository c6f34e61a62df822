import { AsyncLocalStorage } from "node:async_hooks";
import type postgres from "postgres";
import type { Config } from "../config/env";
import type { Database } from "./client";
import { abandonQuery } from "./instrument";

// Read replicas (DATABASE_REPLICA_URLS). Drizzle's withReplicas sends every select to a random replica
// whatever its state: a stopped replica fails the read, a lagging one serves old rows, a user does not
// see what they just wrote, and raw reads (`db.execute`, which the list and measure queries use) never
// reach a replica at all. Here a monitor follows each replica and a router picks, per read:
//   - only inside a read context (an API request; see read-your-writes.ts): elsewhere — the worker,
//     scripts — everything runs on the primary;
//   - never after the request wrote (insert/update/delete/execute/transaction on the routed db);
//   - only replicas that are up, lag at most DATABASE_REPLICA_MAX_LAG_S, and have replayed the
//     request's fence: the WAL position of the caller's last write (and of the last cache invalidation);
//   - else the primary.

/** `16/B374D848` → a comparable number. */
export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split("/");
  if (hi === undefined || lo === undefined) throw new Error(`not an LSN: ${text}`);
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** Fixed-width hex, so that LSNs compare as strings too (the fence script in Redis relies on it). */
export function formatLsn(lsn: bigint): string {
  return lsn.toString(16).padStart(16, "0");
}

/** The primary's current WAL position, formatted (the fence of a write that has just committed). */
export async function currentWalLsn(sql: postgres.Sql): Promise<string> {
  const [row] = await sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  return formatLsn(parseLsn(row!.lsn));
}

/** A fence as stored (formatLsn) back to a number. */
export function fenceOf(stored: string | null): bigint | null {
  return stored === null ? null : BigInt(`0x${stored}`);
}

/** Per-request routing state (AsyncLocalStorage). */
export interface ReadContext {
  /** The caller's fence: undefined while it is being looked up (reads go to the primary meanwhile). */
  fence: bigint | null | undefined;
  /** Set by the first write of the request, or up front for routes that must read the primary. */
  primaryOnly: boolean;
}

const readContext = new AsyncLocalStorage<ReadContext>();

export function runWithReadContext<T>(ctx: ReadContext, fn: () => T): T {
  return readContext.run(ctx, fn);
}

export type ReplicaState = "ok" | "lagging" | "down";

export interface ReplicaStatus {
  /** host:port/database (never credentials); also the metrics label. */
  target: string;
  state: ReplicaState;
  /** Age of the oldest write the replica has not replayed; 0 when caught up; null before the first check. */
  lagSeconds: number | null;
  /** WAL bytes between the primary's position and the replica's replay. */
  lagBytes: number | null;
  /** Why it is down or lagging. */
  reason?: string;
}

/** Why a read went where it went (the routing counter's label). */
export type RouteReason = "replica" | "written" | "fence" | "unavailable" | "outside-request";

export interface ReplicaNode {
  target: string;
  db: Database;
  /** The uninstrumented pool: the monitor's probes are not counted as reads. */
  raw: postgres.Sql;
}

export interface ReplicaSetOptions {
  maxLagSeconds: number;
  checkIntervalMs?: number;
  probeTimeoutMs?: number;
}

interface NodeState {
  up: boolean;
  replay: bigint | null;
  reason?: string;
  checkedOnce: boolean;
}

const CONNECTION_LOST = /^(08|57P0|CONNECT|CONNECTION_|ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)/;

/** A probe's answer within `ms`, else an error (the probe is abandoned without wedging the pool). */
async function within<T>(ms: number, q: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      q,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abandonQuery(q);
          reject(new Error(`no answer within ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    q.catch(() => {});
  }
}

/**
 * The replicas of one primary: probes each every checkIntervalMs (is it a standby, what has it
 * replayed) and samples the primary's WAL position, so lag is measured as "the oldest write the
 * replica is missing was made this long ago" — on one clock, the monitor's, and true on an idle
 * primary too (where the replay timestamp of the last transaction only says nothing happened).
 */
export class ReplicaSet {
  readonly maxLagSeconds: number;
  readonly checkIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly states: NodeState[];
  /** Primary WAL positions with the time each was first seen, oldest first. */
  private samples: { lsn: bigint; at: number }[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private checking: Promise<void> | null = null;
  private readonly routeListeners = new Set<(target: string, reason: RouteReason) => void>();

  constructor(
    private readonly primary: { db: Database; raw: postgres.Sql },
    readonly nodes: ReplicaNode[],
    opts: ReplicaSetOptions,
  ) {
    this.maxLagSeconds = opts.maxLagSeconds;
    this.checkIntervalMs = opts.checkIntervalMs ?? 1000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 1000;
    this.states = nodes.map(() => ({
      up: false,
      replay: null,
      checkedOnce: false,
      reason: "not checked yet",
    }));
  }

  /** First check now (reads stay on the primary until it answers), then every interval. */
  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.checkIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The primary's current WAL position (the fence of a write that has just committed). */
  async primaryLsn(): Promise<bigint> {
    const [row] = await within(
      this.probeTimeoutMs,
      this.primary.raw`select pg_current_wal_lsn()::text as lsn` as unknown as Promise<{ lsn: string }[]>,
    );
    return parseLsn(row!.lsn);
  }

  /** One round of probes; concurrent callers share it. */
  check(): Promise<void> {
    if (!this.checking) this.checking = this.runCheck().finally(() => (this.checking = null));
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    // The primary first: a replica that has replayed this position by the time it is asked is caught up.
    try {
      const lsn = await this.primaryLsn();
      const last = this.samples.at(-1);
      if (!last || lsn > last.lsn) this.samples.push({ lsn, at: performance.now() });
    } catch {
      // Primary unreachable: lags keep growing from the samples already taken.
    }
    await Promise.all(this.nodes.map((n, i) => this.probe(n, this.states[i]!)));
    this.prune();
  }

  private async probe(node: ReplicaNode, state: NodeState): Promise<void> {
    try {
      const [row] = await within(
        this.probeTimeoutMs,
        node.raw`select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replay` as unknown as Promise<
          { standby: boolean; replay: string | null }[]
        >,
      );
      state.checkedOnce = true;
      if (!row?.standby || !row.replay) {
        // A promoted former replica takes writes of its own: its rows are no longer the primary's.
        state.up = false;
        state.reason = "not a standby (promoted, or not replicating)";
        return;
      }
      state.up = true;
      state.replay = parseLsn(row.replay);
      state.reason = undefined;
    } catch (err) {
      state.checkedOnce = true;
      state.up = false;
      state.reason = (err as Error).message;
    }
  }

  /** Samples every live replica has passed are no longer needed (the newest is always kept). */
  private prune(): void {
    const replays = this.states.filter((s) => s.up && s.replay !== null).map((s) => s.replay!);
    if (replays.length === 0) {
      if (this.samples.length > 10_000) this.samples.splice(0, this.samples.length - 10_000);
      return;
    }
    let min = replays[0]!;
    for (const r of replays) if (r < min) min = r;
    while (this.samples.length > 1 && this.samples[0]!.lsn <= min) this.samples.shift();
  }

  private lagOf(state: NodeState): { seconds: number; bytes: number } | null {
    if (state.replay === null) return null;
    const missing = this.samples.find((s) => s.lsn > state.replay!);
    const newest = this.samples.at(-1);
    return {
      seconds: missing ? (performance.now() - missing.at) / 1000 : 0,
      bytes: newest && newest.lsn > state.replay ? Number(newest.lsn - state.replay) : 0,
    };
  }

  /** A query on a replica lost its connection: stop sending reads there until a probe succeeds. */
  markDown(target: string, reason: string): void {
    const i = this.nodes.findIndex((n) => n.target === target);
    const state = this.states[i];
    if (!state?.up) return;
    state.up = false;
    state.reason = reason;
  }

  /** Whether a failed query's code means the server went away (rather than a bad statement). */
  static connectionLost(sqlState: string | null): boolean {
    return sqlState !== null && CONNECTION_LOST.test(sqlState);
  }

  status(): ReplicaStatus[] {
    return this.nodes.map((n, i) => {
      const s = this.states[i]!;
      const lag = s.up ? this.lagOf(s) : null;
      // Up to the next tenth: a replica just past the limit must not read "lags 3 s (limit 3 s)".
      const seconds = lag ? Math.ceil(lag.seconds * 10) / 10 : null;
      const base = { target: n.target, lagSeconds: seconds, lagBytes: lag?.bytes ?? null };
      if (!s.up) return { ...base, state: "down", reason: s.reason ?? "down" };
      if (lag && lag.seconds > this.maxLagSeconds)
        return {
          ...base,
          state: "lagging",
          reason: `replay ${seconds} s behind (limit ${this.maxLagSeconds} s)`,
        };
      return { ...base, state: "ok" };
    });
  }

  /** The replica this read goes to, or null for the primary. */
  pick(): Database | null {
    const ctx = readContext.getStore();
    if (!ctx) return this.route(null, "outside-request");
    if (ctx.primaryOnly) return this.route(null, "written");
    if (ctx.fence === undefined) return this.route(null, "fence");
    const usable: number[] = [];
    let behindFence = false;
    for (let i = 0; i < this.nodes.length; i++) {
      const s = this.states[i]!;
      if (!s.up || s.replay === null) continue;
      const lag = this.lagOf(s);
      if (!lag || lag.seconds > this.maxLagSeconds) continue;
      if (ctx.fence !== null && s.replay < ctx.fence) {
        behindFence = true;
        continue;
      }
      usable.push(i);
    }
    if (usable.length === 0) return this.route(null, behindFence ? "fence" : "unavailable");
    const node = this.nodes[usable[Math.floor(Math.random() * usable.length)]!]!;
    for (const l of this.routeListeners) l(node.target, "replica");
    return node.db;
  }

  private route(db: null, reason: RouteReason): null {
    for (const l of this.routeListeners) l("primary", reason);
    return db;
  }

  /** Subscribes to every routing decision; returns the unsubscribe function. */
  onRoute(listener: (target: string, reason: RouteReason) => void): () => void {
    this.routeListeners.add(listener);
    return () => this.routeListeners.delete(listener);
  }
}

/** Marks the current request as having written: its later reads go to the primary. */
export function pinToPrimary(): void {
  const ctx = readContext.getStore();
  if (ctx) ctx.primaryOnly = true;
}

const READ_DB = Symbol("courtflow.readDb");
const READS = new Set(["select", "selectDistinct", "selectDistinctOn", "$count", "with", "$with", "query"]);
const WRITES = new Set(["insert", "update", "delete", "execute", "transaction", "refreshMaterializedView"]);

/**
 * The primary's Drizzle database with reads routed by `replicas`. Query-builder reads are routed by
 * themselves; a raw read says so with `readDb(db).execute(…)`. Everything else — writes, transactions,
 * plain `execute` — runs on the primary and pins the rest of the request there.
 */
export function routedDatabase(primary: Database, replicas: ReplicaSet): Database {
  const bound = (db: Database, prop: string | symbol) => {
    const value = Reflect.get(db, prop, db);
    return typeof value === "function" ? value.bind(db) : value;
  };
  return new Proxy(primary, {
    get(target, prop) {
      if (prop === READ_DB) return replicas.pick() ?? target;
      if (typeof prop === "string" && READS.has(prop)) return bound(replicas.pick() ?? target, prop);
      if (typeof prop === "string" && WRITES.has(prop)) pinToPrimary();
      return bound(target, prop);
    },
  });
}

/**
 * Where a raw read (`db.execute(sql…)`) should run: a replica when the routing allows it, else the
 * database as given (the primary, a transaction, PGlite). Only for statements that write nothing.
 */
export function readDb<D>(db: D): D {
  return ((db as unknown as Record<symbol, D | undefined>)[READ_DB] ?? db) as D;
}

/**
 * The routed database and its monitor for DATABASE_REPLICA_URLS, or null without replicas. `open`
 * builds one replica's pool and Drizzle instance (client.ts owns the connection options).
 */
export function replicaSetFor(
  primary: { db: Database; raw: postgres.Sql },
  opts: Pick<Config, "DATABASE_REPLICA_URLS" | "DATABASE_REPLICA_MAX_LAG_S">,
  open: (url: string, onLost: (target: string, sqlState: string) => void) => ReplicaNode,
): { set: ReplicaSet; db: Database } | null {
  if (opts.DATABASE_REPLICA_URLS.length === 0) return null;
  let set: ReplicaSet | null = null;
  // A replica whose query lost its connection is out at once, not at the next probe: the reads of
  // the requests that follow go to the primary (and that read itself is repeated there).
  const onLost = (target: string, sqlState: string) =>
    set?.markDown(target, `a query lost its connection (${sqlState})`);
  set = new ReplicaSet(
    primary,
    opts.DATABASE_REPLICA_URLS.map((url) => open(url, onLost)),
    { maxLagSeconds: opts.DATABASE_REPLICA_MAX_LAG_S },
  );
  set.start();
  return { set, db: routedDatabase(primary.db, set) };
}

/** The part of a postgres.js query Drizzle uses: awaited, optionally as rows of values. */
type RawQuery = PromiseLike<unknown> & { values(): PromiseLike<unknown> };

/**
 * A read that lost its replica connection runs again on the primary. Replica clients only ever run
 * reads (a write there fails with 25006), so repeating one changes nothing; the request that was in
 * flight when its replica went away answers from the primary instead of 503.
 */
export function fallbackToPrimary(
  replica: postgres.Sql,
  primary: postgres.Sql,
  onLost: (sqlState: string) => void,
): postgres.Sql {
  const codeOf = (err: unknown): string | null => {
    for (let cur = err, depth = 0; cur && depth < 6; depth++) {
      const code = (cur as { code?: unknown }).code;
      if (typeof code === "string") return code;
      cur = (cur as { cause?: unknown }).cause;
    }
    return null;
  };
  return new Proxy(replica, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "unsafe" || typeof value !== "function") return value;
      return (text: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) => {
        let asValues = false;
        let outcome: Promise<unknown> | null = null;
        const start = (client: postgres.Sql) => {
          const q = client.unsafe(
            text,
            params as postgres.ParameterOrJSON<never>[],
            options,
          ) as unknown as RawQuery;
          return asValues ? q.values() : q;
        };
        const run = async () => {
          try {
            return await start(target);
          } catch (err) {
            const code = codeOf(err);
            if (!ReplicaSet.connectionLost(code)) throw err;
            onLost(code!);
            return await start(primary);
          }
        };
        const query = {
          values() {
            asValues = true;
            return query;
          },
          // biome-ignore lint/suspicious/noThenProperty: stands in for a postgres.js query, which is a thenable.
          then(onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) {
            outcome ??= run();
            return outcome.then(onFulfilled, onRejected);
          },
        };
        return query;
      };
    },
  });
}
