import { rmSync } from "node:fs";
import { tempDir } from "../../test/helpers/process";
import { type Certificates, makeCertificates } from "./certs";
import { type PgBouncer, startPgBouncer } from "./pgbouncer";
import { script } from "./processes";
import { ACL_USERS } from "./redis-acl";
import { type SecureRedis, startPasswordRedis, startTlsRedis, userPassword } from "./redis-servers";
import { DATABASE, OWNER, RUNTIME, startTlsPostgres, type TlsPostgres } from "./tls-postgres";

// The suite's servers, started once: a TLS-only PostgreSQL migrated by the schema owner, its runtime
// role made by `db:roles`, demo data from the seed script (all three scripts over verified TLS, which
// is the only way in); PgBouncer in front of it; a TLS Redis with ACL users and a password-only Redis.

export const REDIS_PASSWORD = "plain-redis-password";
export const SEED_ADMIN = { email: "admin@courtflow.dev", password: "dev-admin-password" };

export interface World {
  certs: Certificates;
  pg: TlsPostgres;
  bouncer: PgBouncer;
  tlsRedis: SecureRedis;
  passwordRedis: SecureRedis;
  /** TLS settings every process gets: verify-full against the test CA. */
  pgTls: Record<string, string>;
  /** The schema owner's scripts: DIRECT_DATABASE_URL (owner) and DATABASE_URL (runtime role). */
  ownerEnv: Record<string, string>;
  /** API/worker straight to PostgreSQL as the runtime role. */
  directEnv: Record<string, string>;
  /** API/worker through PgBouncer (transaction mode) as the runtime role. */
  bouncerEnv: Record<string, string>;
  /** Every Redis client as its own ACL user, over mutual TLS. */
  redisAclEnv: Record<string, string>;
  /** One password-only Redis for every client. */
  redisPasswordEnv: Record<string, string>;
  destroy(): Promise<void>;
}

async function must(name: string, args: string[], env: Record<string, string>): Promise<string> {
  const r = await script(name, args, env);
  if (r.code !== 0)
    throw new Error(`${name} ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export async function createWorld(): Promise<World> {
  const certDir = tempDir("secure-certs");
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(certDir, { recursive: true, force: true })];
  const destroy = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const certs = await makeCertificates(certDir);
    const pg = await startTlsPostgres(certs);
    cleanups.push(() => pg.destroy());
    const pgTls = { DATABASE_SSL: "verify-full", DATABASE_SSL_CA: certs.ca };
    const ownerEnv = {
      ...pgTls,
      DIRECT_DATABASE_URL: pg.url(OWNER),
      DATABASE_URL: pg.url(RUNTIME),
    };
    await must("migrate.ts", ["dev"], ownerEnv);
    await must("db-roles.ts", ["dev"], ownerEnv);
    await must("seed.ts", ["dev", "--cases", "300", "--as-of", "2026-06-30"], ownerEnv);
    const bouncer = await startPgBouncer({
      certs,
      serverPort: pg.port,
      database: DATABASE,
      users: [RUNTIME],
    });
    cleanups.push(() => bouncer.stop());
    const tlsRedis = await startTlsRedis(certs);
    cleanups.push(() => tlsRedis.stop());
    const passwordRedis = await startPasswordRedis(REDIS_PASSWORD);
    cleanups.push(() => passwordRedis.stop());
    const redisAclEnv: Record<string, string> = {
      REDIS_TLS_CA: certs.ca,
      REDIS_TLS_CERT: certs.clientCert,
      REDIS_TLS_KEY: certs.clientKey,
    };
    for (const u of ACL_USERS) redisAclEnv[u.variable] = tlsRedis.url(u.user, userPassword(u.user), 0);
    return {
      certs,
      pg,
      bouncer,
      tlsRedis,
      passwordRedis,
      pgTls,
      ownerEnv,
      directEnv: { ...pgTls, DATABASE_URL: pg.url(RUNTIME) },
      bouncerEnv: {
        ...pgTls,
        DATABASE_URL: pg.url(RUNTIME, "localhost", bouncer.port),
        DATABASE_POOLER: "pgbouncer",
      },
      redisAclEnv,
      redisPasswordEnv: { REDIS_URL: passwordRedis.url(undefined, REDIS_PASSWORD, 1) },
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}
