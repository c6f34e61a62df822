import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import type { DbHandle } from "../../src/db/client";
import { courts } from "../../src/db/schema";
import { withTransaction } from "../../src/db/transaction";
import { openTestDb, resetDb } from "../helpers/db";
import { describePg } from "../helpers/guards";

describePg("withTransaction", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb();
  });
  afterAll(async () => {
    await handle.close();
  });
  beforeEach(async () => {
    await resetDb(handle.db);
  });

  test("rolls back every write when the function throws", async () => {
    await expect(
      withTransaction(handle.db, async (tx) => {
        await tx.insert(courts).values({ code: "D01", name: "District 1", level: "trial" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await handle.db.select().from(courts)).toHaveLength(0);
  });

  test("retries the whole transaction after a real serialization failure (40001)", async () => {
    const [court] = await handle.db
      .insert(courts)
      .values({ code: "D01", name: "0", level: "trial" })
      .returning({ id: courts.id });
    const id = court!.id;

    // Two SERIALIZABLE read-modify-write transactions on the same row, forced to overlap: both read,
    // then both write. PostgreSQL aborts one with 40001; withTransaction must rerun it.
    let readers = 0;
    const bothRead = Promise.withResolvers<void>();
    const retries: (string | null)[] = [];
    const increment = () =>
      withTransaction(
        handle.db,
        async (tx) => {
          const [row] = await tx.select({ name: courts.name }).from(courts).where(eq(courts.id, id));
          if (++readers === 2) bothRead.resolve();
          await Promise.race([bothRead.promise, Bun.sleep(500)]);
          await tx
            .update(courts)
            .set({ name: String(Number(row!.name) + 1) })
            .where(eq(courts.id, id));
        },
        { config: { isolationLevel: "serializable" }, onRetry: (r) => retries.push(r.sqlState) },
      );
    await Promise.all([increment(), increment()]);

    const [after] = await handle.db.select({ name: courts.name }).from(courts).where(eq(courts.id, id));
    expect(after!.name).toBe("2"); // no lost update
    expect(retries).toContain("40001");
  });

  test("does not retry an ordinary error", async () => {
    let calls = 0;
    await expect(
      withTransaction(handle.db, async (tx) => {
        calls++;
        await tx.execute(sql`select 1/0`);
      }),
    ).rejects.toBeDefined();
    expect(calls).toBe(1);
  });
});
