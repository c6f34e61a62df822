// Raw baselines for `bun run bench`: the least a Bun HTTP server can do for each kind of request,
// run as its own process like the app, so the app's ratios measure only what the app adds.
//
//   bun scripts/lib/bench-bare-server.ts json  <port>
//   bun scripts/lib/bench-bare-server.ts pk    <port> <database url>   GET /cases/<id>: one PK lookup
//   bun scripts/lib/bench-bare-server.ts redis <port> <redis url> <key> GET of one key
import { Redis } from "ioredis";
import postgres from "postgres";

const [mode, portArg, target, key] = process.argv.slice(2);
const port = Number(portArg);

function handlerFor(): (req: Request) => Response | Promise<Response> {
  if (mode === "json") {
    return () => Response.json({ status: "ok", uptimeSeconds: 1, version: "0.0.0" });
  }
  if (mode === "pk") {
    // Same pool size and prepared statements as the app's default (DATABASE_POOL_MAX=10).
    const sql = postgres(target!, { max: 10, onnotice: () => {} });
    return async (req) => {
      const id = Number(new URL(req.url).pathname.split("/").pop());
      const [row] = await sql`select * from cases where id = ${id}`;
      return row ? Response.json(row) : Response.json({ error: "not found" }, { status: 404 });
    };
  }
  if (mode === "redis") {
    const redis = new Redis(target!);
    return async () => {
      const value = await redis.get(key!);
      return value === null
        ? Response.json({ error: "missing" }, { status: 404 })
        : new Response(value, { headers: { "content-type": "application/json" } });
    };
  }
  throw new Error(`unknown mode ${mode}: json | pk | redis`);
}

Bun.serve({ port, hostname: "127.0.0.1", fetch: handlerFor() });
process.stdout.write(`bare ${mode} server on ${port}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
