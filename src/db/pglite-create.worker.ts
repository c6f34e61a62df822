// Worker thread of pglite-create.ts: creates a PGlite database in the directory it is given (initdb)
// and applies the migrations, then closes it. It opens PGlite directly, not through createPgliteDb:
// the directory's lock is the main thread's (a worker's own module state would not know it holds it).
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import type { Database } from "./client";
import { applyMigrations } from "./migrate";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<{ dir: string }>) => {
  let client: PGlite | null = null;
  try {
    client = await PGlite.create(event.data.dir);
    const result = await applyMigrations(drizzle({ client }) as unknown as Database, {
      execMany: (text) => client!.exec(text),
    });
    // Closed before the reply: the main thread moves these files as soon as it hears back, and a
    // closing PGlite still writes and removes files (postmaster.pid). Replying first let a start
    // fail with "ENOENT … rename '.creating/postmaster.pid'" (seen once in CI's e2e embedded start).
    await client.close();
    client = null;
    self.postMessage({ ok: true, applied: result.applied });
  } catch (err) {
    await client?.close().catch(() => {});
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
