import { rmSync } from "node:fs";
import type { Subprocess } from "bun";
import { Redis } from "ioredis";
import { freePort, tempDir } from "../../test/helpers/process";
import { REDIS_SERVER_BIN } from "../../test/helpers/redis-server";
import type { Certificates } from "./certs";
import { ACL_USERS, aclSetUserArgs } from "./redis-acl";

// The suite's own redis-servers: one TLS-only (mutual TLS, the server's default) with an ACL user per
// client kind, and one plain server with only a password (requirepass), for AUTH.

export const ADMIN_PASSWORD = "redis-admin-secret";
export const userPassword = (user: string) => `${user}-secret`;

export interface SecureRedis {
  port: number;
  /** rediss:// (TLS) or redis:// URL for a user (undefined: password only). */
  url(user: string | undefined, password: string, db?: number): string;
  /** A connection as the default user, which keeps every right (for the tests' own look inside). */
  admin(): Redis;
  stop(): Promise<void>;
}

async function spawnRedis(
  args: string[],
  port: number,
  tls: boolean,
): Promise<{ proc: Subprocess; dir: string }> {
  if (!REDIS_SERVER_BIN) throw new Error("redis-server is not installed");
  const dir = tempDir("secure-redis");
  const proc = Bun.spawn(
    [REDIS_SERVER_BIN, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...args],
    { stdout: "ignore", stderr: "pipe" },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, error() {} } });
      s.end();
      return { proc, dir };
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) {
        throw new Error(
          `redis-server (${tls ? "tls" : "plain"}) did not start on ${port}: ${await new Response(proc.stderr as ReadableStream).text()}`,
        );
      }
      await Bun.sleep(20);
    }
  }
}

function stopper(proc: Subprocess, dir: string) {
  return async () => {
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
}

/** TLS only (no plain port), client certificates required, the ACL users of redis-acl.ts. */
export async function startTlsRedis(certs: Certificates): Promise<SecureRedis> {
  const port = freePort();
  const { proc, dir } = await spawnRedis(
    [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--tls-cert-file",
      certs.serverCert,
      "--tls-key-file",
      certs.serverKey,
      "--tls-ca-cert-file",
      certs.ca,
      "--tls-auth-clients",
      "yes",
    ],
    port,
    true,
  );
  const tls = {
    ca: await Bun.file(certs.ca).text(),
    cert: await Bun.file(certs.clientCert).text(),
    key: await Bun.file(certs.clientKey).text(),
  };
  const admin = new Redis({ host: "localhost", port, tls, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    for (const u of ACL_USERS)
      await admin.call(...(aclSetUserArgs(u, userPassword(u.user)) as [string, ...string[]]));
    // The default user keeps every right but needs a password: nothing gets in without credentials.
    await admin.call("ACL", "SETUSER", "default", "on", `>${ADMIN_PASSWORD}`);
  } finally {
    admin.disconnect();
  }
  return {
    port,
    url: (user, password, db = 0) =>
      `rediss://${user ? encodeURIComponent(user) : ""}:${encodeURIComponent(password)}@localhost:${port}/${db}`,
    admin: () =>
      new Redis({ host: "localhost", port, tls, password: ADMIN_PASSWORD, maxRetriesPerRequest: 1 }),
    stop: stopper(proc, dir),
  };
}

/** A plain server whose only protection is a password (requirepass): AUTH <password>. */
export async function startPasswordRedis(password: string): Promise<SecureRedis> {
  const port = freePort();
  const { proc, dir } = await spawnRedis(["--port", String(port), "--requirepass", password], port, false);
  return {
    port,
    url: (user, pw, db = 0) =>
      `redis://${user ? encodeURIComponent(user) : ""}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${db}`,
    stop: stopper(proc, dir),
  };
}
