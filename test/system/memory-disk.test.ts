import { describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { diskCheck } from "../../src/modules/system/checks/disk";
import { memoryCheck } from "../../src/modules/system/checks/memory";
import { tempDir } from "../helpers/process";

// biome-ignore lint/suspicious/noExplicitAny: check details are asserted field by field.
type Json = Record<string, any>;

describe("health/detailed: memory and disk figures a reader can trust", () => {
  test("with a large WebAssembly memory (PGlite's engine is one), every 'used' stays within its total", async () => {
    // Bun's process.memoryUsage() counted such memory in heapUsed but not in heapTotal, and as
    // "external" beyond the RSS, since it is allocated, not resident: 1.1 GB used of a 26 MB heap.
    const wasm = new WebAssembly.Memory({ initial: 4096 }); // 256 MiB, untouched
    Bun.gc(true);
    const { details } = (await memoryCheck().run(new AbortController().signal)) as { details: Json };
    const p = details.process;
    expect(Object.keys(p).sort()).toEqual([
      "arrayBuffersBytes",
      "externalAllocatedBytes",
      "jsHeapCapacityBytes",
      "jsHeapUsedBytes",
      "peakResidentBytes",
      "residentBytes",
    ]);
    expect(p.jsHeapUsedBytes).toBeGreaterThan(0);
    expect(p.jsHeapUsedBytes).toBeLessThanOrEqual(p.jsHeapCapacityBytes);
    // The JS heap is the objects alone: far below the allocation above, which is reported on its own.
    expect(p.jsHeapCapacityBytes).toBeLessThan(wasm.buffer.byteLength);
    expect(p.externalAllocatedBytes).toBeGreaterThanOrEqual(wasm.buffer.byteLength);
    expect(p.residentBytes).toBeGreaterThan(0);
    expect(p.residentBytes).toBeLessThanOrEqual(p.peakResidentBytes);
    expect(details.system.freeBytes).toBeLessThanOrEqual(details.system.totalBytes);
  });

  test("disk: the embedded database's and the backups' own size, and their file systems' free space", async () => {
    const data = tempDir("disk-data");
    const backups = join(tempDir("disk-backups"), "not-yet-created");
    try {
      mkdirSync(join(data, "base/5"), { recursive: true });
      writeFileSync(join(data, "base/5/1249"), Buffer.alloc(256 * 1024, 1));
      writeFileSync(join(data, "PG_VERSION"), "17\n");
      const { status, details } = (await diskCheck({ data, backups }).run(new AbortController().signal)) as {
        status: string;
        details: Json;
      };
      expect(["ok", "warn"]).toContain(status);
      expect(details.data).toMatchObject({ dir: data, fileSystem: data });
      expect(details.data.usedBytes).toBeGreaterThanOrEqual(256 * 1024);
      expect(details.data.freeBytes).toBeLessThanOrEqual(details.data.totalBytes);
      // A backup directory that does not exist yet: nothing used, its nearest parent's file system.
      expect(details.backups).toMatchObject({ dir: backups, usedBytes: 0 });
      expect(details.backups.fileSystem).toBe(join(backups, ".."));
      expect(details.backups.freeBytes).toBeGreaterThan(0);
    } finally {
      rmSync(data, { recursive: true, force: true });
      rmSync(join(backups, ".."), { recursive: true, force: true });
    }
  });
});
