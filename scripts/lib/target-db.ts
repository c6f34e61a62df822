import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Config } from "../../src/config/env";
import { createDb, createPgliteDb, type Database, type DbHandle, describeUrl } from "../../src/db/client";
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
  serverVersion(): Promise<ServerVersion>;
  close(): Promise<void>;
}

export function sslOf(config: Config): "require" | "verify-full" | false {
  return config.DATABASE_SSL === "disable" ? false : config.DATABASE_SSL;
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

/** Fails with "cannot reach …" naming the host rather than a driver stack. */
async function reachable(label: string, probe: () => Promise<unknown>): Promise<void> {
  try {
    await probe();
  } catch (err) {
    throw new CliError(`cannot reach PostgreSQL at ${label}: ${(err as Error).message}`);
  }
}

export async function openTargetDb(target: Target, config: Config): Promise<TargetDb> {
  const url = config.migrationDatabaseUrl;
  if (!url) {
    if (target !== "dev") throw missingUrl(target);
    const handle = await openingPglite(() => createPgliteDb(config.PGLITE_DIR));
    return {
      kind: "pglite",
      db: handle.db,
      label: `embedded PGlite ${config.PGLITE_DIR}`,
      url: null,
      async serverVersion() {
        throw new CliError("the embedded database has no server to back up");
      },
      close: () => handle.close(),
    };
  }
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    ssl: sslOf(config),
    connect_timeout: config.DATABASE_POOL_TIMEOUT_S,
    connection: { application_name: "courtflow-migrate" },
  });
  const label = describeUrl(url);
  await reachable(label, () => client`select 1`);
  return {
    kind: "postgres",
    db: drizzle({ client }) as unknown as Database,
    label,
    url,
    async serverVersion() {
      const rows = await client`select current_setting('server_version_num')::int as n`;
      return serverVersionOf(Number(rows[0]!.n));
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** A full DbHandle (pool, COPY) on the target's migration URL, for the seeds. */
export async function openTargetHandle(target: Target, config: Config): Promise<DbHandle> {
  const url = config.migrationDatabaseUrl;
  if (!url && target !== "dev") throw missingUrl(target);
  // No per-statement timeout: the API's guard against runaway requests would cut a bulk load or a
  // full rollup rebuild half-way.
  const handle = await openingPglite(() =>
    createDb({
      ...config,
      DATABASE_URL: url,
      DATABASE_REPLICA_URLS: [],
      DATABASE_POOL_MAX: 2,
      DATABASE_QUERY_TIMEOUT_MS: 0,
    }),
  );
  await reachable(handle.target, () => handle.ping());
  return handle;
}
