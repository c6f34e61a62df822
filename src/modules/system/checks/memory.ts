import { heapSize, memoryUsage as jscMemoryUsage } from "bun:jsc";
import { freemem, totalmem } from "node:os";
import type { CheckOutcome, HealthCheck } from "../health.types";

/** Below this share of free system memory the OOM killer is near. */
const LOW_FREE_RATIO = 0.05;

/**
 * What Bun (JavaScriptCore) measures, under names that say it. Bun's process.memoryUsage() mixes two
 * scopes: its heapUsed is JSC's heapSize, which counts the memory held outside the heap by ArrayBuffers
 * and WebAssembly memories (PGlite's database engine is one), while heapTotal counts the heap's own
 * blocks only, so heapUsed came out above heapTotal (1.1 GB "used" of 26 MB with PGlite open); and that
 * outside memory is what was allocated, not what is resident, so "external" came out above the RSS.
 * Here the JS heap is the objects alone (heap size less that outside memory, against heapTotal), and
 * the outside memory is reported on its own as allocated bytes.
 */
export function processMemory() {
  // JSC's heap size now (bun:jsc heapSize(), about 1 ms), less the outside memory: process.memoryUsage()
  // may return a heapUsed from before the last collection (760 MB beside a current 1.79 GB heap size),
  // and heapStats() would walk the heap to count objects by type (50 to 260 ms with PGlite open).
  const m = process.memoryUsage();
  const outside = m.external;
  const used = Math.max(0, heapSize() - outside);
  return {
    /** Resident set size: the process's memory in RAM as the OS counts it. */
    residentBytes: m.rss,
    /** Highest resident size so far (JSC's allocator). */
    peakResidentBytes: Math.max(m.rss, jscMemoryUsage().peak),
    /** Live JavaScript objects in the garbage-collected heap. */
    jsHeapUsedBytes: used,
    /** The garbage-collected heap's size (used plus free); never below jsHeapUsedBytes. */
    jsHeapCapacityBytes: Math.max(used, m.heapTotal),
    /**
     * Allocated outside the heap by ArrayBuffers, WebAssembly memories (PGlite) and native objects: an
     * allocation size, not residency, so it may exceed residentBytes (untouched pages are not in RAM).
     */
    externalAllocatedBytes: outside,
    /** Of which ArrayBuffer and typed-array storage. */
    arrayBuffersBytes: m.arrayBuffers,
  };
}

export function memoryCheck(): HealthCheck {
  return {
    name: "memory",
    async run(): Promise<CheckOutcome> {
      const total = totalmem();
      const free = freemem();
      const details = {
        process: processMemory(),
        system: { totalBytes: total, freeBytes: free },
      };
      if (total > 0 && free / total < LOW_FREE_RATIO) {
        return {
          status: "warn",
          message: `system memory low: ${Math.round((free / total) * 100)}% free`,
          details,
        };
      }
      return { status: "ok", details };
    },
  };
}
