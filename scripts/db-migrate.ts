// `bun run db:migrate`: applies pending migrations to DIRECT_DATABASE_URL / DATABASE_URL, or to the
// embedded PGlite directory when neither is set. The backup-aware staging/production wrapper is
// scripts/migrate.ts.
import { loadConfigOrExit } from "../src/config/env";
import { createPgliteDb, describeUrl } from "../src/db/client";
import { explainConnectError, migrationConnectionProblem } from "../src/db/direct";
import { applyMigrations, MigrationError, migratePostgres } from "../src/db/migrate";

const config = loadConfigOrExit();
const problem = migrationConnectionProblem(config);
if (problem) {
  console.error(`migration refused: ${problem}`);
  process.exit(1);
}
try {
  const onApplied = (tag: string, ms: number) => console.log(`  applied ${tag} (${Math.round(ms)} ms)`);
  if (config.migrationDatabaseUrl) {
    console.log(`migrating ${describeUrl(config.migrationDatabaseUrl)}`);
    const r = await migratePostgres(config.migrationDatabaseUrl, { onApplied, tls: config });
    console.log(
      r.applied.length
        ? `${r.applied.length} migration(s) applied in ${r.durationMs} ms`
        : "already up to date",
    );
  } else {
    console.log(`migrating embedded database ${config.PGLITE_DIR}`);
    const handle = await createPgliteDb(config.PGLITE_DIR);
    const r = await applyMigrations(handle.db, { onApplied });
    await handle.close();
    console.log(
      r.applied.length
        ? `${r.applied.length} migration(s) applied in ${r.durationMs} ms`
        : "already up to date",
    );
  }
} catch (err) {
  const reason =
    err instanceof MigrationError || !config.migrationDatabaseUrl
      ? (err as Error).message
      : await explainConnectError(err, config.migrationDatabaseUrl, config);
  console.error(err instanceof MigrationError ? reason : `migration failed: ${reason}`);
  process.exit(1);
}
