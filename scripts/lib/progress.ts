// A progress bar on stderr (stdout stays clean for the summary). On a terminal it redraws one line;
// elsewhere (CI logs, a test's pipe) it prints a line every 10 % so the log stays short.

export interface Progress {
  update(done: number, extra?: string): void;
  finish(extra?: string): void;
}

const WIDTH = 30;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const started = performance.now();
  const tty = Boolean(stream.isTTY);
  let lastDecile = -1;
  let lastDraw = 0;
  const line = (done: number, extra: string) => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * WIDTH);
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    return (
      `${label} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
      `${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${Math.round(rate).toLocaleString("en-US")}/s ` +
      `eta ${eta(rate > 0 ? (total - done) / rate : Number.NaN)}${extra ? ` ${extra}` : ""}`
    );
  };
  return {
    update(done, extra = "") {
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        stream.write(`\r${line(done, extra)}\x1b[K`);
        return;
      }
      const decile = Math.floor((done / Math.max(1, total)) * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      stream.write(`${line(done, extra)}\n`);
    },
    finish(extra = "") {
      if (tty) stream.write(`\r${line(total, extra)}\x1b[K\n`);
      else if (lastDecile < 10) stream.write(`${line(total, extra)}\n`);
    },
  };
}
