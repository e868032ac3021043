// Activity: the audit trail (GET /v1/audit), newest first: who changed what, when and from where,
// filtered by kind of change, person and dates, "Older" for the next page; and whether the trail's
// hash chain is intact (GET /v1/audit/verify). The filters live in the URL, as the decisions' do.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, describe } from "./api";
import { when } from "./decisions";
import { href, navigate } from "./route";
import { Select } from "./select";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, Loading } from "./states";
import { useApi } from "./use_api";

interface AuditEvent {
  event_id: number;
  created_at: string;
  actor: string;
  address: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}
interface AuditPage {
  events: AuditEvent[];
  next_before: number | null;
}
interface Chain {
  events: number;
  intact: boolean;
  first_break: number | null;
}

const fields = ["action", "actor", "since", "until"] as const;
type Filter = Record<(typeof fields)[number], string>;

const kinds: [string, string][] = [
  ["", "any change"],
  ["policy", "policies"],
  ["shadow", "shadows"],
  ["queue_rule", "queue rules"],
  ["run", "runs"],
  ["key", "API keys"],
  ["decisions", "erasures"],
  ["retention", "retention"],
];

// What an action did, as a person says it.
const said: Record<string, string> = {
  "policy.put": "saved a version of",
  "policy.delete": "retired",
  "policy.promote": "promoted a version of",
  "shadow.set": "set a shadow of",
  "shadow.clear": "ended the shadow of",
  "queue_rule.set": "set the queue rules of",
  "run.start": "started",
  "run.cancel": "cancelled",
  "key.create": "made",
  "key.revoke": "revoked",
  "decisions.erase": "erased the content of",
  "retention.pass": "applied retention to",
};

function filterOf(query: URLSearchParams): Filter {
  const f = {} as Filter;
  for (const k of fields) f[k] = query.get(k) ?? "";
  return f;
}

// "policy:spam" links to the policy, "run:..." to the run; the rest is shown as it is.
function Target({ target }: { target: string }) {
  const [kind, ...rest] = target.split(":");
  const name = rest.join(":");
  if (kind === "policy") return <a href={href(["policies", name])}>{name}</a>;
  if (kind === "run") return <a href={href(["runs", name])}>run {name.slice(0, 12)}</a>;
  if (kind === "key") return <span>key {name}</span>;
  return <span>{kind === "decisions" ? "the decision log" : target}</span>;
}

// A detail's value as words: an object's fields as "name value" pairs, not JSON.
function shown(v: unknown): string {
  if (v === null || typeof v !== "object") return String(v);
  return Object.entries(v as Record<string, unknown>)
    .map(([k, inner]) => `${k.replace(/_/g, " ")} ${shown(inner)}`)
    .join(", ");
}

function Details({ detail }: { detail: Record<string, unknown> }) {
  const entries = Object.entries(detail).filter(([, v]) => v !== null && v !== "");
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="details">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k.replace(/_/g, " ")}</dt>
          <dd>{shown(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function ChainStatus() {
  const chain = useApi<Chain>("/v1/audit/verify");
  if (!chain.data) return null;
  return chain.data.intact ? (
    <p class="muted">The trail is intact: {chain.data.events} changes, each chained to the one before.</p>
  ) : (
    <p class="field-error" role="alert">
      The trail was altered: change {chain.data.first_break} does not follow the one before it.
    </p>
  );
}

export function Activity({ query }: { query: URLSearchParams }) {
  const asked = filterOf(query);
  const key = JSON.stringify(asked);
  const [form, setForm] = useState<Filter>(asked);
  const [rows, setRows] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  // Which filter's pages are wanted: an "Older" still loading when the filter changes is dropped.
  const generation = useRef(0);

  const load = (before: number | null, signal?: AbortSignal) => {
    const mine = generation.current;
    const q = new URLSearchParams({ limit: "50" });
    for (const k of fields) if (asked[k]) q.set(k, asked[k]);
    if (before !== null) q.set("before", String(before));
    setLoading(true);
    setError(null);
    api<AuditPage>(`/v1/audit?${q}`, { signal }).then(
      (page) => {
        if (mine !== generation.current) return;
        setRows((old) => (before === null ? page.events : [...old, ...page.events]));
        setNext(page.next_before);
        setLoading(false);
      },
      (e) => {
        if (signal?.aborted || mine !== generation.current) return;
        setError(describe(e));
        setLoading(false);
      },
    );
  };
  useEffect(() => {
    document.title = "Activity · arbiter";
    generation.current += 1;
    setForm(asked);
    const abort = new AbortController();
    load(null, abort.signal);
    return () => abort.abort();
  }, [key, attempt]);

  const search = (e?: Event) => {
    e?.preventDefault();
    const q: Record<string, string> = {};
    for (const k of fields) if (form[k].trim()) q[k] = form[k].trim();
    if (JSON.stringify(filterOf(new URLSearchParams(q))) === key) setAttempt((n) => n + 1);
    else navigate(["activity"], q);
  };
  const set = (k: keyof Filter) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const shortcuts = [{ key: "o", label: "older", run: () => next !== null && load(next), when: next !== null }];
  useShortcuts(shortcuts);

  return (
    <section class="screen">
      <header class="screen-head">
        <div>
          <h1>Activity</h1>
          <p class="muted">Every change to policies, shadows, queue rules, runs, keys and the log, newest first.</p>
          <ChainStatus />
        </div>
      </header>
      <form class="search fields" onSubmit={search} aria-label="Filter activity">
        <Select label="Kind" value={form.action} options={kinds} onChange={(action) => setForm({ ...form, action })} />
        <label>
          Who
          <input type="search" value={form.actor} onInput={set("actor")} placeholder="a key's name" />
        </label>
        <label>
          From
          <input type="date" value={form.since} onInput={set("since")} />
        </label>
        <label>
          To
          <input type="date" value={form.until} onInput={set("until")} />
        </label>
        <div class="search-actions">
          <button type="submit" class="primary">
            Filter
          </button>
        </div>
      </form>
      {error ? (
        <ErrorBox message={error} retry={() => setAttempt((n) => n + 1)} />
      ) : loading && rows.length === 0 ? (
        <Loading what="activity" />
      ) : rows.length === 0 ? (
        <Empty title="No changes match">Widen the filter; every change made through the API or `arbiter apikey --db` shows here.</Empty>
      ) : (
        <>
          <table class="list activity">
            <caption class="visually-hidden">Changes, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">Change</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.event_id}>
                  <td>{when(e.created_at)}</td>
                  <td>
                    <strong>{e.actor}</strong>
                    <span class="muted"> {e.address}</span>
                  </td>
                  <td>
                    {said[e.action] ?? e.action} <Target target={e.target} />
                  </td>
                  <td>
                    <Details detail={e.detail} />
                  </td>
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
                {rows.length} matching change{rows.length === 1 ? "" : "s"}, none older.
              </span>
            )}
          </p>
        </>
      )}
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}
