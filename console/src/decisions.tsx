// The decision log, searched: policy, version, verdict, dates and text (GET /v1/decisions), newest
// first, "Older" for the next page. The search lives in the URL (#/decisions?text=...), so a
// search can be bookmarked and Back returns to it from a decision.
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "./api";
import { href, navigate } from "./route";
import { Select } from "./select";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, Loading } from "./states";
import type { Decision, DecisionPage, Policy } from "./types";
import { useApi } from "./use_api";
import { VerdictBadge, percent, snippet } from "./verdict_view";

const fields = ["policy", "version", "violation", "since", "until", "text"] as const;
type Search = Record<(typeof fields)[number], string>;

function searchOf(query: URLSearchParams): Search {
  const s = {} as Search;
  for (const f of fields) s[f] = query.get(f) ?? "";
  return s;
}

function apiPath(s: Search, before: number | null): string {
  const q = new URLSearchParams({ limit: "50" });
  for (const f of fields) if (s[f]) q.set(f, s[f]);
  if (before !== null) q.set("before", String(before));
  return `/v1/decisions?${q}`;
}

export function when(timestamp: string): string {
  const d = new Date(timestamp);
  return isNaN(d.getTime()) ? timestamp : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function Decisions({ query }: { query: URLSearchParams }) {
  const asked = searchOf(query);
  const key = JSON.stringify(asked);
  const [form, setForm] = useState<Search>(asked);
  const [rows, setRows] = useState<Decision[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const policies = useApi<{ policies: Policy[] }>("/v1/policies");

  const load = (before: number | null, signal?: AbortSignal) => {
    setLoading(true);
    setError(null);
    api<DecisionPage>(apiPath(asked, before), { signal }).then(
      (page) => {
        setRows((old) => (before === null ? page.decisions : [...old, ...page.decisions]));
        setNext(page.next_before);
        setLoading(false);
      },
      (e) => {
        if (signal?.aborted) return;
        setError(describe(e));
        setLoading(false);
      },
    );
  };
  useEffect(() => {
    document.title = "Decisions · arbiter";
    setForm(asked);
    const abort = new AbortController();
    load(null, abort.signal);
    return () => abort.abort();
  }, [key, attempt]);

  const search = (e?: Event) => {
    e?.preventDefault();
    const q: Record<string, string> = {};
    for (const f of fields) if (form[f].trim()) q[f] = form[f].trim();
    if (JSON.stringify(searchOf(new URLSearchParams(q))) === key) setAttempt((n) => n + 1);
    else navigate(["decisions"], q);
  };
  const set = (f: keyof Search) => (e: Event) => setForm({ ...form, [f]: (e.target as HTMLInputElement).value });
  const shortcuts = [
    { key: "/", label: "search text", run: () => document.getElementById("decision-text")?.focus() },
    { key: "o", label: "older", run: () => next !== null && load(next), when: next !== null },
  ];
  useShortcuts(shortcuts);

  const policyOptions: [string, string][] = [["", "any"], ...(policies.data?.policies ?? []).map((p): [string, string] => [p.id, p.id])];
  if (form.policy && !policyOptions.some(([v]) => v === form.policy)) policyOptions.push([form.policy, form.policy]);
  return (
    <section class="screen">
      <header class="screen-head">
        <div>
          <h1>Decisions</h1>
          <p class="muted">Every verdict the server returned, newest first.</p>
        </div>
      </header>
      <form class="search fields" onSubmit={search} aria-label="Search decisions">
        <Select label="Policy" value={form.policy} options={policyOptions} onChange={(policy) => setForm({ ...form, policy })} />
        <label>
          Version
          <input type="number" min={1} value={form.version} onInput={set("version")} placeholder="any" />
        </label>
        <Select
          label="Verdict"
          value={form.violation}
          options={[["", "any"], ["true", "violates"], ["false", "safe"]]}
          onChange={(violation) => setForm({ ...form, violation })}
        />
        <label>
          From
          <input type="date" value={form.since} onInput={set("since")} />
        </label>
        <label>
          To
          <input type="date" value={form.until} onInput={set("until")} />
        </label>
        <label class="wide">
          Text
          <input id="decision-text" type="search" value={form.text} onInput={set("text")} placeholder="words in the content" />
        </label>
        <div class="search-actions">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      {error ? (
        <ErrorBox message={error} retry={() => setAttempt((n) => n + 1)} />
      ) : loading && rows.length === 0 ? (
        <Loading what="decisions" />
      ) : rows.length === 0 ? (
        <Empty title="No decisions match">Widen the search, or classify something first (the playground logs its verdicts too).</Empty>
      ) : (
        <>
          <table class="list decisions">
            <caption class="visually-hidden">Decisions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Policy</th>
                <th scope="col">Verdict</th>
                <th scope="col">Probability</th>
                <th scope="col">Tier</th>
                <th scope="col">Mode</th>
                <th scope="col">Content</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.decision_id} onClick={() => navigate(["decisions", String(d.decision_id)])}>
                  <td>
                    <a href={href(["decisions", String(d.decision_id)])}>{when(d.created_at)}</a>
                  </td>
                  <td>
                    {d.policy_id} v{d.policy_version}
                    {d.policy_source === "inline" && <span class="badge">inline</span>}
                  </td>
                  <td>
                    <VerdictBadge v={d.verdict} />
                  </td>
                  <td>{percent(d.verdict.probability)}</td>
                  <td>{d.verdict.tier}</td>
                  <td>{d.mode}</td>
                  <td class="snippet">{snippet(d.content)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="paging">
            {next !== null ? (
              <button type="button" disabled={loading} onClick={() => load(next)}>
                {loading ? "Loading…" : "Older"}
              </button>
            ) : (
              <span class="muted">
                {rows.length} matching decision{rows.length === 1 ? "" : "s"}, none older.
              </span>
            )}
          </p>
        </>
      )}
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}
