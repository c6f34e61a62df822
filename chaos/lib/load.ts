// Bounded load from the test itself: a fixed number of concurrent callers, each sending requests
// one after another until a request budget or a time budget runs out. Every outcome is kept with
// its send time, so a scenario can judge what happened before, during and after the fault.

export interface Call {
  /** What the request is, for grouping ("auth read", "public", "login"…). */
  label: string;
  path: string;
  init?: RequestInit;
}

export interface Outcome {
  label: string;
  path: string;
  /** ms since the load started, when the request was sent. */
  sentAt: number;
  ms: number;
  /** HTTP status, or 0 when no response arrived (connection refused, reset, client timeout). */
  status: number;
  /** The error envelope's code (`AUTH_UNAVAILABLE`…), or the network error's name. */
  code: string | null;
}

export interface Load {
  /** ms since the load started. */
  now(): number;
  /** Waits for every caller to finish its current request, then returns all outcomes. */
  stop(): Promise<Outcome[]>;
  /** Resolves when the budget is spent. */
  done: Promise<Outcome[]>;
  outcomes: Outcome[];
}

export interface LoadOptions {
  base: string;
  concurrency: number;
  maxRequests: number;
  maxMs: number;
  /** The i-th request. */
  next(i: number): Call;
  /** Client-side limit per request: a response slower than this is recorded as status 0 "ClientTimeout". */
  timeoutMs?: number;
}

async function codeOf(res: Response): Promise<string | null> {
  const text = await res.text();
  if (res.status < 400) return null;
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}

export async function once(base: string, call: Call, timeoutMs = 30_000): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}${call.path}`, { ...call.init, signal: AbortSignal.timeout(timeoutMs) });
    const code = await codeOf(res);
    return {
      label: call.label,
      path: call.path,
      sentAt: 0,
      ms: performance.now() - t0,
      status: res.status,
      code,
    };
  } catch (err) {
    const name =
      (err as Error).name === "TimeoutError"
        ? "ClientTimeout"
        : ((err as { code?: string }).code ?? (err as Error).name);
    return {
      label: call.label,
      path: call.path,
      sentAt: 0,
      ms: performance.now() - t0,
      status: 0,
      code: name,
    };
  }
}

export function startLoad(opts: LoadOptions): Load {
  const started = performance.now();
  const now = () => performance.now() - started;
  const outcomes: Outcome[] = [];
  let issued = 0;
  let stopped = false;
  const caller = async () => {
    while (!stopped && issued < opts.maxRequests && now() < opts.maxMs) {
      const call = opts.next(issued++);
      const sentAt = now();
      const o = await once(opts.base, call, opts.timeoutMs);
      outcomes.push({ ...o, sentAt });
      // A refused connection comes back at once: do not spin through the budget.
      if (o.status === 0) await Bun.sleep(20);
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, caller)).then(() => outcomes);
  return {
    now,
    outcomes,
    done,
    async stop() {
      stopped = true;
      return done;
    },
  };
}

/** "200", "503 AUTH_UNAVAILABLE", "0 ECONNREFUSED": how outcomes are counted in the summary. */
export function kindOf(o: Pick<Outcome, "status" | "code">): string {
  if (o.status === 0) return `no response (${o.code})`;
  return o.code ? `${o.status} ${o.code}` : String(o.status);
}

export function countKinds(outcomes: Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) {
    const k = kindOf(o);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
