import type postgres from "postgres";

/**
 * Drizzle's postgres-js driver sends every query it builds (`db.execute(sql…)` and the query builder
 * alike) as `unsafe(text, params, { prepare: false })` unless the query was given a name, so
 * DATABASE_PREPARE never reached them: PostgreSQL parsed and planned each one on every call.
 * Profiled under load (`bun run bench`), GET /api/cases/:id cost 1.4 ms of PostgreSQL CPU a request
 * unprepared and 0.3 ms prepared, and the API process itself 1.4 → 0.85 ms.
 *
 * This lets the client's `prepare` setting decide for parameterised statements run outside a
 * transaction (the read path). postgres.js then keeps one named statement per distinct text on each
 * connection; the app's texts are a bounded set (values travel as parameters, lists as arrays).
 * Statements without parameters keep the simple protocol (multi-statement scripts need it), and
 * transactions run as Drizzle sends them. With DATABASE_PREPARE=false (PgBouncer in transaction mode)
 * postgres.js prepares nothing, whatever a query asks.
 */
export function prepareParameterised(client: postgres.Sql): postgres.Sql {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "unsafe" || typeof value !== "function") return value;
      return (text: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
        value.call(target, text, params, params?.length ? { ...options, prepare: true } : options);
    },
  });
}
