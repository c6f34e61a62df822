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
  /** First keyword of the statement (select, insert, update, delete, begin…), or "other". */
  operation: string;
  /** Two-character SQLSTATE class ("23", "40", "57"…) on failure; driver connection errors count as "08". */
  errorClass: string | null;
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

function timer(stats: DbStats, operation: string, standalone: boolean): Settle {
  const started = performance.now();
  if (standalone) stats.inFlight++;
  return (err) => {
    if (standalone) stats.inFlight--;
    stats.emit({
      seconds: (performance.now() - started) / 1000,
      operation,
      errorClass: err === undefined ? null : errorClassOf(err),
    });
  };
}

/**
 * Times a postgres.js query. Queries are lazy promises that start when first awaited, so the clock
 * starts at the first then() (await, catch and finally all go through it).
 */
function track<Q extends PromiseLike<unknown>>(
  query: Q,
  text: string,
  stats: DbStats,
  standalone: boolean,
): Q {
  const then = query.then;
  let started = false;
  // biome-ignore lint/suspicious/noThenProperty: the query is a promise; timing its then() is the point.
  Object.defineProperty(query, "then", {
    configurable: true,
    writable: true,
    value(this: Q, onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) {
      if (!started) {
        started = true;
        const settle = timer(stats, operationOf(text), standalone);
        then.call(
          query,
          () => settle(undefined),
          (err: unknown) => settle(err),
        );
      }
      return then.call(this, onFulfilled, onRejected);
    },
  });
  return query;
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
export function instrumentPostgres(sql: postgres.Sql, stats: DbStats, inTransaction = false): postgres.Sql {
  const standalone = !inTransaction;
  const wrapScope = (fn: (inner: postgres.Sql) => unknown) => (inner: postgres.Sql) =>
    fn(instrumentPostgres(inner, stats, true));

  return new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      const result = Reflect.apply(target, thisArg, args);
      // Tagged-template queries are promises; fragments and identifiers are not.
      if (result instanceof Promise) return track(result, textOf(args[0]), stats, standalone);
      return result;
    },
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "unsafe" && typeof value === "function") {
        return (text: string, ...rest: unknown[]) =>
          track(value.call(target, text, ...rest) as Promise<unknown>, text, stats, standalone);
      }
      if ((prop === "begin" || prop === "savepoint") && typeof value === "function") {
        return async (...args: unknown[]) => {
          const last = args.length - 1;
          if (typeof args[last] === "function")
            args[last] = wrapScope(args[last] as (inner: postgres.Sql) => unknown);
          if (prop === "savepoint") return value.apply(target, args);
          stats.held++;
          try {
            return await value.apply(target, args);
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
          const wrapped = instrumentPostgres(reserved, stats, true) as postgres.ReservedSql;
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
