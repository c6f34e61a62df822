import postgres from "postgres";

// Where the tests find their real services. Each developer or helper may point these at their own
// database / Redis db number to run suites side by side.
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/courtflow_test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";
export const IN_CI = Boolean(process.env.CI);

export interface ServiceAvailability {
  postgres: boolean;
  redis: boolean;
}

function adminUrl(url: string): { admin: string; database: string } {
  const u = new URL(url);
  const database = u.pathname.replace(/^\//, "");
  u.pathname = "/postgres";
  return { admin: u.toString(), database };
}

/** Creates the test database when it does not exist. Returns false when PostgreSQL is unreachable. */
export async function ensureTestDatabase(url = TEST_DATABASE_URL): Promise<boolean> {
  const { admin, database } = adminUrl(url);
  const sql = postgres(admin, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${database.replace(/"/g, '""')}"`).catch((err) => {
        // Another process created it between our check and our create.
        if (err?.code !== "42P04" && err?.code !== "23505") throw err;
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export async function redisReachable(url = TEST_REDIS_URL): Promise<boolean> {
  const u = new URL(url);
  try {
    const socket = await Bun.connect({
      hostname: u.hostname,
      port: Number(u.port || 6379),
      socket: { data() {}, error() {} },
    });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

declare global {
  // Set once by test/setup.ts (the preload), read by every test file.
  var __courtflowServices: ServiceAvailability | undefined;
}

export function services(): ServiceAvailability {
  return globalThis.__courtflowServices ?? { postgres: false, redis: false };
}
