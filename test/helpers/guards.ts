import { describe } from "bun:test";
import { services } from "./services";

/** describe() that runs only when PostgreSQL is reachable (test/setup.ts says so loudly otherwise). */
export const describePg = (name: string, fn: () => void) =>
  services().postgres ? describe(name, fn) : describe.skip(`${name} [needs PostgreSQL]`, fn);

export const describeRedis = (name: string, fn: () => void) =>
  services().redis ? describe(name, fn) : describe.skip(`${name} [needs Redis]`, fn);

export const describePgRedis = (name: string, fn: () => void) =>
  services().postgres && services().redis
    ? describe(name, fn)
    : describe.skip(`${name} [needs PostgreSQL and Redis]`, fn);
