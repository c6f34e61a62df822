// `bun run db:migrate`: applies pending migrations to DIRECT_DATABASE_URL / DATABASE_URL, or to the
// embedded PGlite directory when neither is set. The backup-aware staging/production wrapper is
// scripts/migrate.ts.
import { loadConfigOrExit } from "../src/config/env";
import { createPgliteDb, describeUrl } from "../src/db/client";
import { applyMigrations, MigrationError, migratePostgres } from "../src/db/migrate";

const config = loadConfigOrExit();
try {
  const onApplied = (tag: string, ms: number) => console.log(`  applied ${tag} (${Math.round(ms)} ms)`);
  if (config.migrationDatabaseUrl) {
    console.log(`migrating ${describeUrl(config.migrationDatabaseUrl)}`);
    const r = await migratePostgres(config.migrationDatabaseUrl, { onApplied });
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
  console.error(err instanceof MigrationError ? err.message : `migration failed: ${(err as Error).message}`);
  process.exit(1);
}
