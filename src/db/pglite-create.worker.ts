// Worker thread of pglite-create.ts: creates a PGlite database in the directory it is given (initdb)
// and applies the migrations, then closes it. It opens PGlite directly, not through createPgliteDb:
// the directory's lock is the main thread's (a worker's own module state would not know it holds it).
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import type { Database } from "./client";
import { applyMigrations } from "./migrate";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ dir: string }>) => {
  try {
    const client = await PGlite.create(event.data.dir);
    try {
      const result = await applyMigrations(drizzle({ client }) as unknown as Database, {
        execMany: (text) => client.exec(text),
      });
      self.postMessage({ ok: true, applied: result.applied });
    } finally {
      await client.close();
    }
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
