import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import type { Config } from "../../src/config/env";
import { createDb, createPgliteDb, type Database, type DbHandle, describeUrl } from "../../src/db/client";
import { explainConnectError, migrationConnectionProblem, openDirectConnection } from "../../src/db/direct";
import { DatabaseLockedError } from "../../src/db/pglite-lock";
import { CliError } from "./cli";
import { type ServerVersion, serverVersionOf } from "./pg-tools";
import type { Target } from "./target";

// The operator scripts' connection: the migration URL (DIRECT_DATABASE_URL, else DATABASE_URL) over
// one dedicated connection, since session-level advisory locks belong to a connection. Only the dev
// target may fall back to the embedded PGlite directory.

export interface TargetDb {
  kind: "postgres" | "pglite";
  db: Database;
  /** host:port/database or the PGlite directory; never the password. */
  label: string;
  url: string | null;
  /** The raw connection (the same one), null on PGlite. */
  sql: postgres.Sql | null;
  serverVersion(): Promise<ServerVersion>;
  close(): Promise<void>;
}

/** The schema owner's URL for a target's scripts; refuses a PgBouncer one (see migrationConnectionProblem). */
export function migrationUrlOf(target: Target, config: Config): string | undefined {
  const problem = migrationConnectionProblem(config);
  if (problem) throw new CliError(problem);
  const url = config.migrationDatabaseUrl;
  if (!url && target !== "dev") throw missingUrl(target);
  return url;
}

function missingUrl(target: Target): CliError {
  const file = target === "prod" ? ".env.prod" : `.env.${target}`;
  return new CliError(
    `no database for ${target}: set DIRECT_DATABASE_URL or DATABASE_URL in ${file} or in the environment`,
  );
}

/** A directory another process has open: its one-line message, not a stack (see pglite-lock.ts). */
async function openingPglite<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof DatabaseLockedError) throw new CliError(err.message);
    throw err;
  }
}

/** Fails with "cannot reach …" naming the host (and what TLS refused) rather than a driver stack. */
export async function reachable(
  label: string,
  probe: () => Promise<unknown>,
  url: string,
  config: Config,
): Promise<void> {
  try {
    await probe();
  } catch (err) {
    throw new CliError(`cannot reach PostgreSQL at ${label}: ${await explainConnectError(err, url, config)}`);
  }
}

export async function openTargetDb(target: Target, config: Config): Promise<TargetDb> {
  const url = migrationUrlOf(target, config);
  if (!url) {
    const handle = await openingPglite(() => createPgliteDb(config.PGLITE_DIR));
    return {
      kind: "pglite",
      db: handle.db,
      label: `embedded PGlite ${config.PGLITE_DIR}`,
      url: null,
      sql: null,
      async serverVersion() {
        throw new CliError("the embedded database has no server to back up");
      },
      close: () => handle.close(),
    };
  }
  const client = openDirectConnection(url, config, {
    applicationName: "courtflow-migrate",
    connectTimeoutS: config.DATABASE_POOL_TIMEOUT_S,
  });
  const label = describeUrl(url);
  await reachable(label, () => client`select 1`, url, config);
  return {
    kind: "postgres",
    db: drizzle({ client }) as unknown as Database,
    label,
    url,
    sql: client,
    async serverVersion() {
      const rows = await client`select current_setting('server_version_num')::int as n`;
      return serverVersionOf(Number(rows[0]!.n));
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** A full DbHandle (pool, COPY) on the target's migration URL, for the seeds. */
export async function openTargetHandle(target: Target, config: Config): Promise<DbHandle> {
  const url = migrationUrlOf(target, config);
  // No per-statement timeout: the API's guard against runaway requests would cut a bulk load or a
  // full rollup rebuild half-way.
  const handle = await openingPglite(() =>
    createDb({
      ...config,
      DATABASE_URL: url,
      DATABASE_REPLICA_URLS: [],
      DATABASE_POOL_MAX: 2,
      DATABASE_QUERY_TIMEOUT_MS: 0,
      // The owner's connection is direct, never through the pooler.
      DATABASE_POOLER: "none",
    }),
  );
  await reachable(handle.target, () => handle.ping(), url ?? "", config);
  return handle;
}
