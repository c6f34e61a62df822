import postgres from "postgres";
import type { Config } from "../config/env";
import { type PgTlsSettings, permanentConnectFailure, resolvePgTls } from "./tls";

/**
 * One dedicated connection, no pool, with the same TLS rules as the API's pool: for migrations and
 * the operator scripts, whose session-level advisory lock must stay on the connection doing the work.
 * No statement timeout: a migration or a restore may legitimately run long.
 */
export function openDirectConnection(
  url: string,
  settings: PgTlsSettings,
  opts: { applicationName: string; connectTimeoutS?: number },
): postgres.Sql {
  const tls = resolvePgTls(url, settings);
  return postgres(tls.url, {
    max: 1,
    onnotice: () => {},
    ssl: tls.ssl,
    connect_timeout: opts.connectTimeoutS ?? 10,
    connection: { application_name: opts.applicationName },
  });
}

/** A failed connection in words for the operator: the TLS/pooler diagnosis when there is one. */
export async function explainConnectError(
  err: unknown,
  url: string,
  settings: PgTlsSettings,
): Promise<string> {
  let tls: ReturnType<typeof resolvePgTls> | null = null;
  try {
    tls = resolvePgTls(url, settings);
  } catch {
    // The settings themselves are wrong: the error at hand already says so.
  }
  return (tls && (await permanentConnectFailure(err, tls))) ?? (err as Error)?.message ?? String(err);
}

/**
 * Migrations hold a session-level advisory lock, which PgBouncer in transaction mode does not keep on
 * one server connection: behind it they need DIRECT_DATABASE_URL. The message, or null when fine.
 */
export function migrationConnectionProblem(
  config: Pick<Config, "DATABASE_POOLER" | "DIRECT_DATABASE_URL" | "DATABASE_URL">,
): string | null {
  if (config.DATABASE_POOLER !== "pgbouncer" || config.DIRECT_DATABASE_URL || !config.DATABASE_URL)
    return null;
  return (
    "DATABASE_POOLER=pgbouncer: migrations and operator scripts need DIRECT_DATABASE_URL (the server " +
    "itself, as the schema owner); through PgBouncer their advisory lock would not hold"
  );
}
