export interface ResponseTimeSummary {
  windowSeconds: number;
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/**
 * The last `capacity` request durations within `windowMs`, in a ring buffer: recording is O(1) on
 * every request; sorting happens only when the detailed health report asks.
 */
export class ResponseTimeWindow {
  private readonly durations: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;

  constructor(
    readonly capacity = 2048,
    readonly windowMs = 5 * 60_000,
  ) {
    this.durations = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  record(durationMs: number, now = Date.now()): void {
    this.durations[this.next] = durationMs;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  summary(now = Date.now()): ResponseTimeSummary {
    const recent: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (now - (this.times[i] ?? 0) <= this.windowMs) recent.push(this.durations[i] ?? 0);
    }
    recent.sort((a, b) => a - b);
    const at = (q: number) =>
      recent.length
        ? round(recent[Math.min(recent.length - 1, Math.ceil(q * recent.length) - 1)] ?? 0)
        : null;
    return {
      windowSeconds: this.windowMs / 1000,
      count: recent.length,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      maxMs: recent.length ? round(recent[recent.length - 1] ?? 0) : null,
    };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
