// Preloaded by `bun run test:secure`. The suite starts a TLS PostgreSQL, PgBouncer and two Redis
// servers, runs the operator scripts and real API/worker processes: allow for that on a busy machine.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(180_000);
process.env.NODE_ENV ??= "test";
