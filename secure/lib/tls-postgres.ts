import { chmodSync, chownSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { type PrivatePostgres, startPrivatePostgres } from "../../chaos/lib/private-postgres";
import type { Certificates } from "./certs";

// A private PostgreSQL that speaks TLS with the test CA's certificate and accepts TCP connections
// only over TLS, with passwords (hostssl … scram-sha-256): a plain-text connection is refused, so any
// client that gets in was encrypted. The superuser works over the Unix socket in the cluster's
// directory. The schema owner and the database exist; the runtime role is left to `db:roles`.

export const OWNER = { user: "courtflow_owner", password: "owner-secret-1" };
export const RUNTIME = { user: "courtflow_app", password: "app-secret-2" };
export const DATABASE = "courtflow";

export interface TlsPostgres {
  pg: PrivatePostgres;
  port: number;
  /** A URL as the schema owner or the runtime role, by host name (localhost) unless told. */
  url(who: { user: string; password: string }, host?: string, port?: number): string;
  /** A superuser connection over the Unix socket (no TLS needed, none used). */
  admin(database?: string): postgres.Sql;
  destroy(): Promise<void>;
}

function postgresOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) return null;
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startTlsPostgres(certs: Certificates): Promise<TlsPostgres> {
  const pg = await startPrivatePostgres();
  const owner = postgresOwner();
  // The server reads its key as the postgres user, and refuses a key others can read.
  for (const [from, to] of [
    [certs.serverCert, "server.crt"],
    [certs.serverKey, "server.key"],
    [certs.ca, "ca.crt"],
  ] as const) {
    const target = join(pg.dir, to);
    copyFileSync(from, target);
    if (owner) chownSync(target, owner.uid, owner.gid);
  }
  chmodSync(join(pg.dir, "server.key"), 0o600);
  const hba = join(pg.dir, "data", "pg_hba.conf");
  writeFileSync(
    hba,
    [
      "local all all trust",
      "hostssl all all 127.0.0.1/32 scram-sha-256",
      "hostssl all all ::1/128 scram-sha-256",
      "",
    ].join("\n"),
  );
  if (owner) chownSync(hba, owner.uid, owner.gid);
  const admin = (database = "postgres") =>
    postgres({ host: pg.dir, port: pg.port, user: "root", database, max: 1, onnotice: () => {} });
  const sql = admin();
  try {
    await sql.unsafe(`alter system set ssl = on`);
    await sql.unsafe(`alter system set ssl_cert_file = '${join(pg.dir, "server.crt")}'`);
    await sql.unsafe(`alter system set ssl_key_file = '${join(pg.dir, "server.key")}'`);
    await sql.unsafe(`alter system set ssl_ca_file = '${join(pg.dir, "ca.crt")}'`);
    await sql.unsafe(`alter system set password_encryption = 'scram-sha-256'`);
    await sql`select pg_reload_conf()`;
    await sql.unsafe(`create role ${OWNER.user} login createrole password '${OWNER.password}'`);
    await sql.unsafe(`create database ${DATABASE} owner ${OWNER.user}`);
    // The reload is asynchronous: wait until TLS is really on before anyone connects.
    for (let i = 0; ; i++) {
      const [row] = await sql`select current_setting('ssl') as ssl`;
      if (row?.ssl === "on") break;
      if (i > 100) throw new Error("PostgreSQL did not turn ssl on");
      await Bun.sleep(50);
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
  return {
    pg,
    port: pg.port,
    url: (who, host = "localhost", port = pg.port) =>
      `postgres://${who.user}:${encodeURIComponent(who.password)}@${host}:${port}/${DATABASE}`,
    admin,
    destroy: () => pg.destroy(),
  };
}
