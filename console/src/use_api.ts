// Loads one API resource for a screen: its value, its error, and a way to load it again.
import { useCallback, useEffect, useState } from "preact/hooks";
import { api, describe } from "./api";

export interface Resource<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

// `path` null: nothing to load yet.
export function useApi<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: path !== null,
  });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setState((s) => ({ data: s.data, error: null, loading: true }));
    api<T>(path, { signal: abort.signal }).then(
      (data) => setState({ data, error: null, loading: false }),
      (e) => {
        if (!abort.signal.aborted) setState({ data: null, error: describe(e), loading: false });
      },
    );
    return () => abort.abort();
  }, [path, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
