import type { World } from "./world";

// The world the suite's beforeAll created, for the scenario files (they register tests at load time
// and read it when the tests run).

let current: World | null = null;

export function setWorld(w: World | null): void {
  current = w;
}

export function world(): World {
  if (!current) throw new Error("the secure world was not created (see beforeAll in suite.secure.ts)");
  return current;
}

/** Numbers measured on the way, printed at the end for the closing notes. */
export const measured: Record<string, number | string> = {};
