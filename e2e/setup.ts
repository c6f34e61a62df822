// Preloaded by `bun run test:e2e`: each mode starts real processes (and, embedded, seeds 5 000 demo
// cases in PGlite) before its browser tests; the budgets allow for that on a busy 2-core machine.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(120_000);
