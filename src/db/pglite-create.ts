import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

// A fresh PGlite directory is created (initdb, in WebAssembly) and migrated in a worker thread: initdb
// runs 5 to 50 s on a busy 2-core machine without yielding, and on the main thread it blocked the
// listener that answers /health/live while the API starts. It is built in a staging directory inside
// the target and moved into place with PG_VERSION last, the file that makes a directory a database:
// a start killed half-way leaves no half-made database, and the next start builds it again.

export const STAGING_DIR = ".creating";

export async function createPgliteInWorker(dir: string): Promise<{ applied: string[] }> {
  const staging = join(dir, STAGING_DIR);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const worker = new Worker(new URL("./pglite-create.worker.ts", import.meta.url).href);
  try {
    const reply = await new Promise<{ ok: true; applied: string[] } | { ok: false; error: string }>(
      (resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(`creating the embedded database failed: ${e.message}`));
        worker.postMessage({ dir: staging });
      },
    );
    if (!reply.ok) throw new Error(`creating the embedded database failed: ${reply.error}`);
    const entries = readdirSync(staging).filter((name) => name !== "PG_VERSION");
    for (const name of entries) {
      rmSync(join(dir, name), { recursive: true, force: true });
      renameSync(join(staging, name), join(dir, name));
    }
    renameSync(join(staging, "PG_VERSION"), join(dir, "PG_VERSION"));
    return { applied: reply.applied };
  } finally {
    worker.terminate();
    rmSync(staging, { recursive: true, force: true });
  }
}
