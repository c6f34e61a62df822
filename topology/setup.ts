// Preloaded by `bun run test:topology`. Scenarios start replicated PostgreSQL clusters, Sentinel
// groups, a six-node Redis Cluster and several API and worker processes; on a busy 2-core machine a
// scenario's setup alone can take a minute.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(300_000);
