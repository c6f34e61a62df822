// `bun run db:studio`: drizzle-kit studio on DIRECT_DATABASE_URL / DATABASE_URL or, without either,
// on the embedded PGlite directory, whose lock this process holds while studio runs: studio then
// refuses to start beside a running API (which has the directory open), and the API beside studio.
import { existsSync } from "node:fs";
import { loadConfigOrExit } from "../src/config/env";
import { pgliteExists } from "../src/db/client";
import { DatabaseLockedError, lockPgliteDir, type PgliteLock } from "../src/db/pglite-lock";

const config = loadConfigOrExit();
let lock: PgliteLock | null = null;
if (!config.migrationDatabaseUrl) {
  const none = () => {
    process.stderr.write(
      `courtflow: no embedded database at ${config.PGLITE_DIR} yet: start the API once (bun run dev) or run bun run db:migrate\n`,
    );
    process.exit(1);
  };
  if (!existsSync(config.PGLITE_DIR)) none();
  try {
    lock = lockPgliteDir(config.PGLITE_DIR);
  } catch (err) {
    if (!(err instanceof DatabaseLockedError)) throw err;
    process.stderr.write(`courtflow: ${err.message}\n`);
    process.exit(1);
  }
  if (!pgliteExists(config.PGLITE_DIR)) none();
}

const studio = Bun.spawn([process.execPath, "x", "drizzle-kit", "studio", ...Bun.argv.slice(2)], {
  stdio: ["inherit", "inherit", "inherit"],
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => studio.kill(signal));
const code = await studio.exited;
lock?.release();
process.exit(code);
