import { useEffect, useState } from "preact/hooks";
import { getHealth, getHealthDetailed, getQueues, openBoardSession } from "../api/system";
import { formatCount } from "../format";
import { ErrorMessage } from "../ui/message";
import { useAsync } from "../ui/use-async";

// For admins: the service's health, the job queues' counts, and the way to the queue board and the
// API reference.

function Health() {
  const [state, reload] = useAsync(
    async () => ({ quick: await getHealth(), detailed: await getHealthDetailed() }),
    "h",
  );
  const h = state.data;
  return (
    <section class="card" aria-labelledby="health-title">
      <header class="card-head">
        <h2 id="health-title">Health</h2>
        <div class="card-actions">
          <button type="button" onClick={reload}>
            Check again
          </button>
        </div>
      </header>
      {state.status === "error" && <ErrorMessage error={state.error} />}
      {h && (
        <>
          <p>
            Status <strong data-testid="health-status">{h.quick.status}</strong>, version {h.quick.version},
            up {formatCount(h.quick.uptimeSeconds)} s.
          </p>
          {h.quick.reasons?.length ? (
            <ul>
              {h.quick.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : null}
          {h.detailed ? (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Health checks</caption>
                <thead>
                  <tr>
                    <th scope="col">Check</th>
                    <th scope="col">Status</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Message</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.values(h.detailed.checks).map((c) => (
                    <tr key={c.name}>
                      <td>{c.name}</td>
                      <td>{c.status}</td>
                      <td>{c.latencyMs} ms</td>
                      <td>{c.message ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="hint">
              The detailed checks need the metrics token (METRICS_TOKEN): see /api/system/health/detailed.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function Queues() {
  const [state, reload] = useAsync(getQueues, "q");
  const [board, setBoard] = useState<string | null>(null);
  const [boardError, setBoardError] = useState<unknown>(null);
  const mode = state.data?.mode;
  useEffect(() => {
    // The board is a separate UI; this cookie (admins, minutes) lets a new tab open it without a token.
    if (mode === "bullmq") openBoardSession().then((b) => setBoard(b.url), setBoardError);
  }, [mode]);
  const states = [...new Set(state.data?.queues.flatMap((q) => Object.keys(q.counts)) ?? [])];
  return (
    <section class="card wide" aria-labelledby="queues-title">
      <header class="card-head">
        <h2 id="queues-title">Job queues</h2>
        <div class="card-actions">
          <button type="button" onClick={reload}>
            Refresh
          </button>
        </div>
      </header>
      {state.status === "error" && <ErrorMessage error={state.error} />}
      {mode && (
        <p>
          {mode === "bullmq"
            ? "Jobs run in worker processes (BullMQ on Redis)."
            : "Embedded mode: jobs run inside the API process; there is no queue board."}
        </p>
      )}
      {state.data && state.data.queues.length > 0 && (
        <div class="table-wrap">
          <table data-testid="queues">
            <caption class="sr-only">Jobs by state</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                {states.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {state.data.queues.map((q) => (
                <tr key={q.name}>
                  <td>{q.name}</td>
                  {states.map((s) => (
                    <td key={s}>{formatCount(q.counts[s] ?? 0)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {boardError ? <ErrorMessage error={boardError} /> : null}
      <ul class="links">
        {board && (
          <li>
            <a href={board} target="_blank" rel="noopener">
              Open the queue board
            </a>
          </li>
        )}
        <li>
          <a href="/api/docs" target="_blank" rel="noopener">
            API reference
          </a>
        </li>
      </ul>
    </section>
  );
}

export function Operations() {
  return (
    <>
      <h1 class="page-title">Operations</h1>
      <div class="grid">
        <Health />
        <Queues />
      </div>
    </>
  );
}
