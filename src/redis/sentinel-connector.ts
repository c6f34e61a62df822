import { type SentinelConnectionOptions, SentinelConnector } from "ioredis";

/** The connector's private failover detector, as far as this file touches it. */
interface DetectorState {
  failoverDetector: { isDisconnected: boolean; cleanup(): void } | null;
}

/**
 * ioredis's SentinelConnector with one race closed (ioredis 6.0).
 *
 * With `failoverDetector`, the connection subscribes to the sentinels' `+switch-master` and drops
 * itself when a failover is announced. That subscription outlives the connection: when the primary
 * is killed, the client reconnects (asking the sentinels for the primary, several times while they
 * still name the dead one), and if `+switch-master` arrives while such a lookup is in flight, the old
 * detector calls `disconnect()`, the lookup ends with "Connection is closed." and ioredis gives the
 * client up for good (status `end`, no more reconnects): every command fails until a restart. The
 * topology suite's Sentinel scenario caught it once in CI, as an API answering 503 AUTH_UNAVAILABLE
 * for minutes after the failover had finished.
 *
 * Here an announcement that arrives during a lookup only retires the old detector: the lookup in
 * flight is already asking the sentinels for the primary, and if it got the old address just before
 * the switch, that connection fails or is refused as a replica and the client looks up again. A
 * `disconnect()` from the client itself (shutdown) still aborts the attempt, as before.
 */
export class FailoverSafeSentinelConnector extends SentinelConnector {
  private lookingUp = false;

  // ioredis constructs a custom Connector with the client's whole options (typed `unknown` there).
  constructor(options: unknown) {
    super(options as SentinelConnectionOptions);
  }

  override connect(
    ...args: Parameters<SentinelConnector["connect"]>
  ): ReturnType<SentinelConnector["connect"]> {
    this.lookingUp = true;
    const attempt = super.connect(...args);
    const done = () => {
      this.lookingUp = false;
    };
    attempt.then(done, done);
    return attempt;
  }

  override disconnect(): void {
    const self = this as unknown as DetectorState;
    const detector = self.failoverDetector;
    // The detector marks itself disconnected before it calls us; the client's own disconnect()
    // finds it still listening, or gone: a retired detector is dropped, never kept, so that holds.
    const announced = detector?.isDisconnected === true;
    if (this.lookingUp && announced) detector.cleanup();
    else super.disconnect();
    self.failoverDetector = null;
  }
}
