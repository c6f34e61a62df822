import { defineConfig } from "drizzle-kit";

// drizzle-kit runs outside the app, so it reads the environment directly (the only place besides
// src/config/env.ts). Without DATABASE_URL, studio and push target the embedded PGlite directory.
const url = process.env.DIRECT_DATABASE_URL ?? process.env.DATABASE_URL;

export default defineConfig({
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
  dialect: "postgresql",
  ...(url
    ? { dbCredentials: { url } }
    : { driver: "pglite", dbCredentials: { url: process.env.PGLITE_DIR ?? ".data/pglite" } }),
  strict: true,
  verbose: true,
});
