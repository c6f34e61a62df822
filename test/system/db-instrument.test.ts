import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { Registry } from "prom-client";
import type { DbHandle } from "../../src/db/client";
import { operationOf, type QueryEvent } from "../../src/db/instrument";
import { bindDbMetrics } from "../../src/db/metrics";
import { openTestDb } from "../helpers/db";
import { describePg } from "../helpers/guards";
import { metricValue } from "../helpers/metrics";

describePg("database instrumentation (pool demand and query timing)", () => {
  let handle: DbHandle;
  const events: QueryEvent[] = [];
  beforeAll(async () => {
    handle = await openTestDb({ DATABASE_POOL_MAX: "2" });
    handle.stats.onQuery((e) => events.push(e));
  });
  afterAll(async () => {
    await handle.close();
  });

  test("concurrent queries beyond the pool size count as waiting; all return to idle", async () => {
    const running = Promise.all([1, 2, 3, 4].map(() => handle.db.execute(sql`select pg_sleep(0.2)`)));
    await Bun.sleep(50);
    expect(handle.stats.snapshot()).toEqual({ max: 2, busy: 2, idle: 0, waiting: 2 });
    await running;
    expect(handle.stats.snapshot()).toEqual({ max: 2, busy: 0, idle: 2, waiting: 0 });
  });

  test("an open transaction holds a connection for its whole duration", async () => {
    await handle.db.transaction(async (tx) => {
      expect(handle.stats.snapshot().busy).toBe(1);
      await tx.execute(sql`select 1`);
      await tx.transaction(async (inner) => {
        await inner.execute(sql`select 2`);
      });
      expect(handle.stats.snapshot().busy).toBe(1);
    });
    expect(handle.stats.snapshot().busy).toBe(0);
  });

  test("every query is timed, failures by SQLSTATE class, through drizzle and the raw client", async () => {
    events.length = 0;
    await handle.db.execute(sql`select pg_sleep(0.05)`);
    await handle.sql!`select 1`;
    await handle.sql!.unsafe("update courts set name = name where false");
    await handle.db.execute(sql`select 1/0`).catch(() => {});
    expect(events.map((e) => [e.operation, e.errorClass])).toEqual([
      ["select", null],
      ["select", null],
      ["update", null],
      ["select", "22"],
    ]);
    expect(events[0]!.seconds).toBeGreaterThanOrEqual(0.045);
  });

  test("bound to a registry: query histogram and error counter, bound once however often asked", async () => {
    const registry = new Registry();
    bindDbMetrics(registry, handle);
    bindDbMetrics(registry, handle);
    await handle.db.execute(sql`select 1`);
    await handle.db.execute(sql`select 'x'::int`).catch(() => {});
    expect(await metricValue(registry, "courtflow_db_errors_total", { class: "22" })).toBe(1);
    const { values } = await registry.getSingleMetric("courtflow_db_query_duration_seconds")!.get();
    const count = values.find(
      (v) => (v as { metricName?: string }).metricName === "courtflow_db_query_duration_seconds_count",
    );
    expect(count?.value).toBe(2);
    expect(await metricValue(registry, "courtflow_db_pool_max_connections")).toBe(2);
  });

  test("statement keywords are a bounded label", () => {
    expect(operationOf("  SELECT * from x")).toBe("select");
    expect(operationOf("(select 1) union (select 2)")).toBe("select");
    expect(operationOf("with a as (select 1) select * from a")).toBe("with");
    expect(operationOf("vacuum analyze")).toBe("other");
    expect(operationOf("")).toBe("other");
  });
});
