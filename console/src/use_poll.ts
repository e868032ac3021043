// Loads an API resource and loads it again every `every` ms while `going(data)` says it is still
// changing (a run queued or running), then stops: finished runs cost no more requests.
import { useCallback, useEffect, useState } from "preact/hooks";
import { api, describe } from "./api";
import type { Resource } from "./use_api";

export function usePoll<T>(path: string, going: (data: T) => boolean, every = 500): Resource<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      api<T>(path, { signal: abort.signal }).then(
        (data) => {
          setState({ data, error: null, loading: false });
          if (going(data)) timer = setTimeout(load, every);
        },
        (e) => {
          if (!abort.signal.aborted) setState((s) => ({ data: s.data, error: describe(e), loading: false }));
        },
      );
    setState((s) => ({ ...s, error: null, loading: true }));
    load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
    // `going` is read on each answer; a new function each render must not restart the polling.
  }, [path, attempt, every]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}

export function active(status: string): boolean {
  return status === "queued" || status === "running";
}
