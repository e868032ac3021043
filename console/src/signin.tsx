// Sign-in: an API key asked for once and kept for this tab. A server without keys (loopback only)
// signs everyone in as the anonymous admin, as the service itself treats them.
import { useState } from "preact/hooks";
import { ApiError, api, describe, storeKey } from "./api";
import type { Me } from "./types";

export function SignIn({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice: string | null }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Paste your API key first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>("/v1/me", { key: trimmed });
      storeKey(trimmed);
      onSignedIn(me);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? "That key is not valid on this server. Check that it was copied whole (keys start with arb_), or ask an admin for a new one."
          : describe(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="card" onSubmit={submit} aria-labelledby="signin-title">
        <p class="brand">arbiter</p>
        <h1 id="signin-title">Sign in to the review console</h1>
        {notice && <p class="notice">{notice}</p>}
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-invalid={error !== null}
          aria-describedby={error ? "signin-error key-help" : "key-help"}
          autoFocus
        />
        <p id="key-help" class="help">
          An admin makes one with <code>arbiter apikey --name you --role review --file keys.txt</code>. It is kept in
          this browser tab only and sent to this server only.
        </p>
        {error && (
          <p id="signin-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
