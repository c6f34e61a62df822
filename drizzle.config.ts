import { defineConfig } from "drizzle-kit";
import { drizzleKitDatabase } from "./src/config/env";

// drizzle-kit runs outside the app; it picks its database exactly as the app and the scripts do
// (empty values count as unset: `DIRECT_DATABASE_URL=` in a .env copied from .env.example must not
// win over DATABASE_URL). Without a URL, studio and push target the embedded PGlite directory; `bun
// run db:studio` (scripts/db-studio.ts) holds that directory's lock meanwhile.
const target = drizzleKitDatabase();

export default defineConfig({
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
  dialect: "postgresql",
  ...("url" in target
    ? { dbCredentials: { url: target.url } }
    : { driver: "pglite", dbCredentials: { url: target.pgliteDir } }),
  strict: true,
  verbose: true,
});
