import { useEffect, useState } from "preact/hooks";

export type AsyncState<T> =
  | { status: "loading"; data?: T }
  | { status: "ok"; data: T }
  | { status: "error"; error: unknown; data?: T };

/**
 * Runs `load` whenever `key` changes; a stale answer (the filters moved on meanwhile) is dropped.
 * The previous data stay visible while the next load runs, so charts do not flash.
 */
export function useAsync<T>(load: () => Promise<T>, key: string): [AsyncState<T>, () => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ status: "loading", data: s.data }));
    load().then(
      (data) => live && setState({ status: "ok", data }),
      (error) => live && setState((s) => ({ status: "error", error, data: s.data })),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  return [state, () => setRound((r) => r + 1)];
}
