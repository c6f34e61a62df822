// Preloaded by `bun run test:chaos`. The scenarios start clusters and processes and drive load for
// tens of seconds each; the per-test budget has to allow for that on a busy 2-core machine.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(180_000);
