// Bounds on how an upload body arrives: a total deadline, and a minimum rate over a sliding window so
// that a client trickling a byte every few seconds is cut long before the deadline. The body is read
// through the returned stream; when a bound is crossed, the read in progress fails with UploadCutError
// and the client's stream is cancelled. A client that goes away shows as ClientGoneError.

export class UploadCutError extends Error {
  constructor(
    message: string,
    readonly reason: "deadline" | "too-slow",
  ) {
    super(message);
    this.name = "UploadCutError";
  }
}

/** The client closed the connection before the body was read (counted as 499, not a server error). */
export class ClientGoneError extends Error {
  constructor(options?: { cause?: unknown }) {
    super("the client closed the connection during the upload", options);
    this.name = "ClientGoneError";
  }
}

export interface UploadBounds {
  /** Whole body within this long. */
  deadlineMs: number;
  /** At least this many bytes per second over every window of `windowMs` (0 = no minimum). */
  minBytesPerSecond: number;
  windowMs: number;
  /** How often the bounds are checked. */
  tickMs?: number;
  /** The request's signal: aborted when the client disconnects. */
  signal?: AbortSignal;
  now?: () => number;
}

export interface GuardedBody {
  body: ReadableStream<Uint8Array>;
  /** Stops the timer whatever state the body is in (call when the upload is over). */
  dispose(): void;
}

export function guardUploadBody(body: ReadableStream<Uint8Array>, bounds: UploadBounds): GuardedBody {
  const now = bounds.now ?? (() => performance.now());
  const reader = body.getReader();
  const started = now();
  let received = 0;
  // (time, bytes received by then), oldest first, one per tick: the sliding window's left edge.
  const samples: { at: number; bytes: number }[] = [{ at: started, bytes: 0 }];
  let failure: Error | null = null;
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = (err) => {
      if (failure) return;
      failure = err;
      reject(err);
      reader.cancel(err).catch(() => {});
    };
  });
  failed.catch(() => {});

  const check = () => {
    const t = now();
    if (t - started >= bounds.deadlineMs) {
      fail(
        new UploadCutError(
          `The upload did not finish within ${Math.round(bounds.deadlineMs / 1000)} s (IMPORT_UPLOAD_TIMEOUT_S); nothing was imported`,
          "deadline",
        ),
      );
      return;
    }
    samples.push({ at: t, bytes: received });
    while (samples.length > 1 && t - samples[1]!.at >= bounds.windowMs) samples.shift();
    const edge = samples[0]!;
    if (bounds.minBytesPerSecond > 0 && t - edge.at >= bounds.windowMs) {
      const rate = ((received - edge.bytes) * 1000) / (t - edge.at);
      if (rate < bounds.minBytesPerSecond) {
        fail(
          new UploadCutError(
            `The upload arrived slower than ${bounds.minBytesPerSecond} bytes/s over ${Math.round(bounds.windowMs / 1000)} s (IMPORT_UPLOAD_MIN_BYTES_PER_S); nothing was imported`,
            "too-slow",
          ),
        );
      }
    }
  };
  const timer = setInterval(check, bounds.tickMs ?? 1000);
  const onAbort = () => fail(new ClientGoneError());
  bounds.signal?.addEventListener("abort", onAbort, { once: true });
  if (bounds.signal?.aborted) onAbort();
  const stop = () => {
    clearInterval(timer);
    bounds.signal?.removeEventListener("abort", onAbort);
  };

  const guarded = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (failure) throw failure;
        const { value, done } = await Promise.race([reader.read(), failed]);
        // A cancelled read ends as "done": the bound that cancelled it is the answer.
        if (failure) throw failure;
        if (done) {
          stop();
          controller.close();
          return;
        }
        received += value.byteLength;
        controller.enqueue(value);
      } catch (err) {
        stop();
        if (failure) controller.error(failure);
        else if (bounds.signal?.aborted || (err instanceof Error && err.name === "AbortError"))
          controller.error(new ClientGoneError({ cause: err }));
        else controller.error(err);
      }
    },
    cancel(reason) {
      stop();
      return reader.cancel(reason);
    },
  });
  return { body: guarded, dispose: stop };
}
