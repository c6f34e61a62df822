import { cpSync, rmSync } from "node:fs";
import { createPgliteDb } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import { tempDir } from "./process";

// Creating a PGlite database runs initdb in WebAssembly: 3.5–5 s of CPU each time, on a 2-core
// machine whose suite must stay under five minutes. Tests that need an empty, migrated embedded
// database (not the creation itself: test/db/migrate.test.ts and the start-up test make theirs from
// nothing) get a copy of one made once per test process; opening a copy takes under a second.

let template: Promise<string> | null = null;

async function makeTemplate(): Promise<string> {
  const dir = tempDir("pglite-template");
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const handle = await createPgliteDb(dir);
  await applyMigrations(handle.db);
  await handle.close();
  return dir;
}

/** A new directory holding an empty PGlite database with every migration applied (yours to remove). */
export async function migratedPgliteDir(prefix = "pglite"): Promise<string> {
  template ??= makeTemplate();
  const copy = tempDir(prefix);
  cpSync(await template, copy, { recursive: true });
  return copy;
}
