import postgres from "postgres";
import { TEST_DATABASE_URL } from "./services";

/** A brand-new empty PostgreSQL database for tests that need one (migrations, restore). */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  await sql.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const s = postgres(admin.toString(), { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists "${name}" with (force)`);
      await s.end();
    },
  };
}
