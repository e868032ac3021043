// `policy lint`'s findings for a draft, asked of the server (POST /v1/lint) a moment after the
// author stops typing; an answer to an older draft never replaces a newer one's.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, describe } from "./api";
import type { LintResult } from "./types";

export interface Lint {
  result: LintResult | null;
  invalid: string | null; // the draft cannot be saved as it is (the service's 400)
  failed: string | null; // the check itself failed (network, server)
  checking: boolean;
}

const delayMs = 300;

export function useLint(draft: Record<string, unknown>): Lint {
  const [lint, setLint] = useState<Lint>({ result: null, invalid: null, failed: null, checking: true });
  const body = JSON.stringify(draft);
  useEffect(() => {
    const abort = new AbortController();
    setLint((l) => ({ ...l, checking: true }));
    const timer = setTimeout(() => {
      api<LintResult>("/v1/lint", { method: "POST", body: draft, signal: abort.signal }).then(
        (result) => setLint({ result, invalid: null, failed: null, checking: false }),
        (e) => {
          if (abort.signal.aborted) return;
          if (e instanceof ApiError && e.status === 400) setLint({ result: null, invalid: e.message, failed: null, checking: false });
          else setLint({ result: null, invalid: null, failed: describe(e), checking: false });
        },
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [body]);
  return lint;
}
