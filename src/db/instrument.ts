import type { PGlite, Transaction as PgliteTransaction } from "@electric-sql/pglite";
import type postgres from "postgres";
import { driverErrorOf } from "./errors";

// postgres.js keeps its pool queues private, so pool figures are derived from the work we see pass
// through the client instead of read from the driver:
//   demand  = standalone queries in flight + transactions/reserved connections open
//   busy    = min(demand, max)        — connections needed right now
//   idle    = max − busy              — spare capacity (postgres.js opens connections lazily, so these
//                                       are free slots, not necessarily open sockets)
//   waiting = max(0, demand − max)    — work beyond the pool's parallel capacity, i.e. queued or
//                                       pipelined behind another query on a busy connection
// The figures are honest about what they are: demand on the pool, seen from this process.

export interface QueryEvent {
  seconds: number;
  /** Which server ran it: "primary", or a replica's host:port/database. */
  target: string;
  /** First keyword of the statement (select, insert, update, delete, begin…), or "other". */
  operation: string;
  /** Two-character SQLSTATE class ("23", "40", "57"…) on failure; driver connection errors count as "08". */
  errorClass: string | null;
  /** The full SQLSTATE (or driver connection code) on failure. */
  sqlState: string | null;
}

export interface PoolSnapshot {
  max: number;
  busy: number;
  idle: number;
  waiting: number;
}

/** Counters shared by a handle's clients, read by the metrics and the health check. */
export class DbStats {
  inFlight = 0;
  held = 0;
  private readonly listeners = new Set<(e: QueryEvent) => void>();

  constructor(readonly maxConnections: number) {}

  /** Subscribes to every finished query; returns the unsubscribe function. */
  onQuery(listener: (e: QueryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: QueryEvent): void {
    for (const l of this.listeners) l(event);
  }

  snapshot(): PoolSnapshot {
    const demand = this.inFlight + this.held;
    const busy = Math.min(demand, this.maxConnections);
    return {
      max: this.maxConnections,
      busy,
      idle: this.maxConnections - busy,
      waiting: Math.max(0, demand - this.maxConnections),
    };
  }
}

const OPERATIONS = new Set([
  "select",
  "insert",
  "update",
  "delete",
  "with",
  "begin",
  "commit",
  "rollback",
  "savepoint",
  "copy",
]);

/** Bounded label: the statement's first keyword when it is a common one. */
export function operationOf(text: string): string {
  const m = /^\s*\(?\s*([a-zA-Z]+)/.exec(text.slice(0, 40));
  const word = m?.[1]?.toLowerCase() ?? "";
  return OPERATIONS.has(word) ? word : "other";
}

export function errorClassOf(err: unknown): string {
  const code = driverErrorOf(err)?.code;
  if (typeof code !== "string") return "other";
  // Socket-level failures have no SQLSTATE; they belong to class 08 (connection exception).
  return /^[0-9A-Z]{5}$/.test(code) ? code.slice(0, 2) : "08";
}

type Settle = (err: unknown) => void;

function timer(stats: DbStats, operation: string, standalone: boolean, target = "primary"): Settle {
  const started = performance.now();
  if (standalone) stats.inFlight++;
  return (err) => {
    if (standalone) stats.inFlight--;
    const code = err === undefined ? null : driverErrorOf(err)?.code;
    stats.emit({
      seconds: (performance.now() - started) / 1000,
      target,
      operation,
      errorClass: err === undefined ? null : errorClassOf(err),
      sqlState: typeof code === "string" ? code : null,
    });
  };
}

/**
 * A statement that never reached a server connection within the deadline. postgres.js queues a
 * query until some connection is up and never gives up on its own: with a multi-host DATABASE_URL
 * and no primary (a failover in progress) it reconnects to the standby in a loop and the query waits
 * for the whole window, as does the HTTP request above it. Code CONNECT_TIMEOUT makes it a connection
 * failure everywhere else: 503 DATABASE_UNAVAILABLE, and a transaction retry.
 */
export class DatabaseDeadlineError extends Error {
  readonly code = "CONNECT_TIMEOUT";
  constructor(what: string, ms: number) {
    super(`${what} got no database connection within ${ms} ms`);
    this.name = "DatabaseDeadlineError";
  }
}

export interface InstrumentOptions {
  /** Queries of an open transaction or reserved connection: timed, not counted as pool demand. */
  inTransaction?: boolean;
  /** QueryEvent.target of this client's queries. */
  target?: string;
  /** A query or transaction still waiting for a connection after this long fails (0: never). */
  acquireTimeoutMs?: number;
  /** A sent query still unanswered after this long fails (0: never): a server gone silent. */
  answerTimeoutMs?: number;
}

/**
 * Times a postgres.js query. Queries are lazy promises that start when first awaited, so the clock
 * starts at the first then() (await, catch and finally all go through it).
 */
/** A postgres.js query's own fields: whether it reached a connection, its text, and its cancel. */
interface PendingQuery {
  /** The backend key data of the connection it was written to (null until then; pid null until connected). */
  state?: { pid?: number | null } | null;
  tagged?: boolean;
  strings?: readonly string[];
  args?: unknown[];
  options?: Record<string, unknown>;
  cancel?: () => Promise<unknown> | undefined;
}

/**
 * Makes a query that never reached a connection harmless: it will run as `select 1`. postgres.js
 * cannot withdraw it — its cancel() on a connection's first query leaves that connection open but
 * never back in the pool (ReadyForQuery skips the cancelled query and forgets to report the
 * connection open): after a failover every slot was stuck that way and the pool never recovered.
 * The statement is built when it is written, so replacing its text here is enough.
 */
function defuse(q: PendingQuery): void {
  q.tagged = false;
  q.strings = ["select 1"];
  q.args = [];
  q.options = { ...q.options, simple: true, prepare: false };
}

/**
 * Gives up on a postgres.js query whose answer is no longer wanted: defused if it never reached a
 * connection (see defuse), cancelled on the server if it did.
 */
export function abandonQuery(query: unknown): void {
  const q = query as PendingQuery;
  if (!q.state?.pid) defuse(q);
  else Promise.resolve(q.cancel?.()).catch(() => {});
}

function track<Q extends PromiseLike<unknown>>(
  query: Q,
  text: string,
  stats: DbStats,
  standalone: boolean,
  opts: InstrumentOptions,
): Q {
  const then = query.then;
  let outcome: Promise<unknown> | null = null;
  // biome-ignore lint/suspicious/noThenProperty: the query is a promise; timing its then() is the point.
  Object.defineProperty(query, "then", {
    configurable: true,
    writable: true,
    value(this: Q, onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) {
      if (!outcome) {
        const settle = timer(stats, operationOf(text), standalone, opts.target);
        outcome = deadlined(query, then, standalone ? opts : {});
        outcome.then(
          () => settle(undefined),
          (err: unknown) => settle(err),
        );
      }
      return outcome.then(onFulfilled, onRejected);
    },
  });
  return query;
}

/**
 * The query's result, or a DatabaseDeadlineError once it has waited acquireTimeoutMs without reaching
 * a connection (or answerTimeoutMs without an answer). A query given up on before it reached a
 * connection is defused (it runs as `select 1`), so a write answered 503 is never applied later when
 * a server returns; one that had been sent is cancelled on the server.
 */
function deadlined<Q extends PromiseLike<unknown>>(
  query: Q,
  then: Q["then"],
  opts: InstrumentOptions,
): Promise<unknown> {
  const acquireMs = opts.acquireTimeoutMs ?? 0;
  const answerMs = opts.answerTimeoutMs ?? 0;
  const result = new Promise<unknown>((resolve, reject) => then.call(query, resolve, reject));
  if (acquireMs <= 0 && answerMs <= 0) return result;
  return new Promise<unknown>((resolve, reject) => {
    const pending = query as unknown as PendingQuery;
    const timers: ReturnType<typeof setTimeout>[] = [];
    if (acquireMs > 0)
      timers.push(
        setTimeout(() => {
          if (pending.state?.pid) return;
          defuse(pending);
          reject(new DatabaseDeadlineError("a query", acquireMs));
        }, acquireMs),
      );
    if (answerMs > 0)
      timers.push(
        setTimeout(() => {
          reject(new DatabaseDeadlineError("a query", answerMs));
          Promise.resolve(pending.cancel?.()).catch(() => {});
        }, answerMs),
      );
    result.then(
      (v) => {
        for (const t of timers) clearTimeout(t);
        resolve(v);
      },
      (err: unknown) => {
        for (const t of timers) clearTimeout(t);
        reject(err);
      },
    );
  });
}

function textOf(first: unknown): string {
  if (typeof first === "string") return first;
  if (Array.isArray(first)) return String(first[0] ?? "");
  return "";
}

/**
 * Wraps a postgres.js client so every query is timed and counted. Everything else passes through,
 * so COPY, cursors and listen keep working on the raw client. Inside a transaction the connection is
 * already held, so its queries are timed but not counted as pool demand.
 */
export function instrumentPostgres(
  sql: postgres.Sql,
  stats: DbStats,
  opts: InstrumentOptions = {},
): postgres.Sql {
  const standalone = !opts.inTransaction;
  const inner = { target: opts.target, inTransaction: true };
  const wrapScope = (fn: (inner: postgres.Sql) => unknown) => (scoped: postgres.Sql) =>
    fn(instrumentPostgres(scoped, stats, inner));

  return new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      const result = Reflect.apply(target, thisArg, args);
      // Tagged-template queries are promises; fragments and identifiers are not.
      if (result instanceof Promise) return track(result, textOf(args[0]), stats, standalone, opts);
      return result;
    },
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "unsafe" && typeof value === "function") {
        return (text: string, ...rest: unknown[]) =>
          track(value.call(target, text, ...rest) as Promise<unknown>, text, stats, standalone, opts);
      }
      if ((prop === "begin" || prop === "savepoint") && typeof value === "function") {
        return async (...args: unknown[]) => {
          const last = args.length - 1;
          if (prop === "savepoint") {
            if (typeof args[last] === "function")
              args[last] = wrapScope(args[last] as (inner: postgres.Sql) => unknown);
            return value.apply(target, args);
          }
          stats.held++;
          try {
            return await beginWithin(opts.acquireTimeoutMs ?? 0, (guard) => {
              if (typeof args[last] === "function")
                args[last] = guard(wrapScope(args[last] as (inner: postgres.Sql) => unknown));
              return value.apply(target, args) as Promise<unknown>;
            });
          } finally {
            stats.held--;
          }
        };
      }
      if (prop === "reserve" && typeof value === "function") {
        return async () => {
          const reserved = (await value.call(target)) as postgres.ReservedSql;
          stats.held++;
          const release = reserved.release.bind(reserved);
          let released = false;
          const wrapped = instrumentPostgres(reserved, stats, inner) as postgres.ReservedSql;
          Object.defineProperty(wrapped, "release", {
            value: () => {
              if (!released) {
                released = true;
                stats.held--;
              }
              release();
            },
          });
          return wrapped;
        };
      }
      return value;
    },
  });
}

/**
 * A transaction that has not got its connection within acquireMs fails with DatabaseDeadlineError.
 * postgres.js cannot withdraw the waiting BEGIN, so the body is guarded instead: should the connection
 * come later, the body throws before its first statement and the transaction rolls back.
 */
async function beginWithin(
  acquireMs: number,
  start: (guard: <F extends (s: postgres.Sql) => unknown>(fn: F) => F) => Promise<unknown>,
): Promise<unknown> {
  if (acquireMs <= 0) return start((fn) => fn);
  let started = false;
  let abandoned = false;
  const run = start(
    (fn) =>
      ((scoped: postgres.Sql) => {
        if (abandoned) throw new DatabaseDeadlineError("a transaction", acquireMs);
        started = true;
        return fn(scoped);
      }) as typeof fn,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (started) return;
      abandoned = true;
      run.catch(() => {});
      reject(new DatabaseDeadlineError("a transaction", acquireMs));
    }, acquireMs);
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

type PgliteLike = Pick<PGlite, "query" | "exec"> | Pick<PgliteTransaction, "query" | "exec">;

/**
 * Same timing for PGlite, which runs one statement at a time: the pool is one connection. PGlite
 * methods use private fields, so every passed-through function is bound to the real instance.
 */
export function instrumentPglite<T extends PgliteLike>(client: T, stats: DbStats, inTransaction = false): T {
  const standalone = !inTransaction;
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "query" || prop === "exec") {
        return async (text: string, ...rest: unknown[]) => {
          const settle = timer(stats, operationOf(text), standalone);
          try {
            const result = await value.call(target, text, ...rest);
            settle(undefined);
            return result;
          } catch (err) {
            settle(err);
            throw err;
          }
        };
      }
      if (prop === "transaction") {
        return async (fn: (tx: PgliteTransaction) => unknown) => {
          stats.held++;
          try {
            return await value.call(target, (tx: PgliteTransaction) => fn(instrumentPglite(tx, stats, true)));
          } finally {
            stats.held--;
          }
        };
      }
      return value.bind(target);
    },
  });
}
