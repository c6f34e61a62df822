import { expect, test } from "bun:test";
import { measured, world } from "../lib/context";
import { runMainFlows } from "../lib/flows";

export function flowsScenario(): void {
  test("main flows as the runtime role over verified TLS, every Redis client as its own ACL user over mutual TLS", async () => {
    const w = world();
    const r = await runMainFlows({ ...w.directEnv, ...w.redisAclEnv }, "TLS");
    measured["flows direct+TLS+ACL, ms"] = r.totalMs;
    measured["import through the worker (direct), ms"] = r.importMs;
    measured["GET routes swept"] = r.routesSwept;
    expect(r.routesSwept).toBeGreaterThan(10);
  });
}

export function bouncerFlowsScenario(): void {
  test("main flows through PgBouncer in transaction mode as the runtime role, Redis with a password only", async () => {
    const w = world();
    const r = await runMainFlows({ ...w.bouncerEnv, ...w.redisPasswordEnv }, "PGB");
    measured["flows via PgBouncer + password Redis, ms"] = r.totalMs;
    measured["import through the worker (PgBouncer), ms"] = r.importMs;
    expect(r.routesSwept).toBeGreaterThan(10);
  });
}
