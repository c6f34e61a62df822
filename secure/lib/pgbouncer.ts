import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir } from "../../test/helpers/process";
import type { Certificates } from "./certs";

// PgBouncer in transaction mode in front of the TLS PostgreSQL, as docs/security.md describes it:
// clients reach it over TLS (the test CA's certificate, `localhost`), it reaches the server over TLS
// verified against the CA, and passwords are checked with SCRAM against its auth_file. pgbouncer
// refuses to run as root; as root it runs as the postgres user, which must own the files it writes.

export const PGBOUNCER_BIN =
  Bun.which("pgbouncer") ?? (existsSync("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : null);

export interface PgBouncer {
  port: number;
  /** The settings file, as tested (printed in docs/security.md). */
  ini: string;
  log(): string;
  stop(): Promise<void>;
}

function postgresIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("running as root needs a `postgres` system user for pgbouncer");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, error() {} } });
      s.end();
      return true;
    } catch {
      await Bun.sleep(50);
    }
  }
  return false;
}

export async function startPgBouncer(opts: {
  certs: Certificates;
  serverPort: number;
  database: string;
  users: { user: string; password: string }[];
}): Promise<PgBouncer> {
  if (!PGBOUNCER_BIN) throw new Error("pgbouncer is not installed");
  const ids = postgresIds();
  const dir = tempDir("pgbouncer");
  const port = freePort();
  const file = (name: string) => join(dir, name);
  copyFileSync(opts.certs.serverCert, file("server.crt"));
  copyFileSync(opts.certs.serverKey, file("server.key"));
  copyFileSync(opts.certs.ca, file("ca.crt"));
  // Plain-text passwords here let PgBouncer answer SCRAM itself and log in to the server with SCRAM.
  writeFileSync(file("userlist.txt"), `${opts.users.map((u) => `"${u.user}" "${u.password}"`).join("\n")}\n`);
  const ini = [
    "[databases]",
    `${opts.database} = host=localhost port=${opts.serverPort} dbname=${opts.database}`,
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    "pool_mode = transaction",
    "max_client_conn = 200",
    "default_pool_size = 10",
    "auth_type = scram-sha-256",
    `auth_file = ${file("userlist.txt")}`,
    "client_tls_sslmode = require",
    `client_tls_cert_file = ${file("server.crt")}`,
    `client_tls_key_file = ${file("server.key")}`,
    "server_tls_sslmode = verify-full",
    `server_tls_ca_file = ${file("ca.crt")}`,
    "ignore_startup_parameters = extra_float_digits",
    `logfile = ${file("pgbouncer.log")}`,
    `pidfile = ${file("pgbouncer.pid")}`,
    "",
  ].join("\n");
  writeFileSync(file("pgbouncer.ini"), ini);
  writeFileSync(file("pgbouncer.log"), "");
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    for (const f of ["server.crt", "server.key", "ca.crt", "userlist.txt", "pgbouncer.ini", "pgbouncer.log"])
      chownSync(file(f), ids.uid, ids.gid);
  }
  chmodSync(file("server.key"), 0o600);
  chmodSync(file("userlist.txt"), 0o600);
  const cmd = [
    ...(ids ? ["runuser", "-u", "postgres", "--"] : []),
    PGBOUNCER_BIN,
    "-d",
    file("pgbouncer.ini"),
  ];
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  const log = () => (existsSync(file("pgbouncer.log")) ? readFileSync(file("pgbouncer.log"), "utf8") : "");
  if (code !== 0 || !(await waitForPort(port, 10_000))) {
    const text = `${err}\n${log()}`;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pgbouncer did not start (${code}): ${text}`);
  }
  return {
    port,
    ini,
    log,
    async stop() {
      const pidFile = file("pgbouncer.pid");
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, "utf8").trim());
        try {
          process.kill(pid, "SIGTERM");
          for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await Bun.sleep(20);
          if (existsSync(`/proc/${pid}`)) process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
