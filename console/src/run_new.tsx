// A new run: a candidate (a stored version, or a draft edited here from the current text) judged
// beside a baseline version over the policy's labelled set or its last N logged decisions.
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "./api";
import type { Run } from "./review_types";
import { href, navigate } from "./route";
import { Select } from "./select";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, FieldError, Loading } from "./states";
import type { Policy, Versions } from "./types";
import { useApi } from "./use_api";

// The draft as PUT takes it: the current version's fields with the edited text.
function draftOf(current: Policy, text: string): Record<string, unknown> {
  const { version: _v, created_at: _c, deleted: _d, ...kept } = current;
  return { ...kept, text };
}

function Form({ policies, initial }: { policies: Policy[]; initial: string }) {
  const [policy, setPolicy] = useState(initial);
  const versions = useApi<Versions>(`/v1/policies/${encodeURIComponent(policy)}/versions`);
  const current = policies.find((p) => p.id === policy) ?? null;
  const numbers = (versions.data?.versions ?? []).filter((v) => !v.deleted).map((v) => v.version);
  const [kind, setKind] = useState<"draft" | "version">("draft");
  const [candidate, setCandidate] = useState("");
  const [baseline, setBaseline] = useState("");
  const [text, setText] = useState(current?.text ?? "");
  const [source, setSource] = useState<"set" | "replay">("set");
  const [replay, setReplay] = useState("200");
  const [mode, setMode] = useState("score");
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // A new policy chosen: its own text and versions, the live one as baseline.
  useEffect(() => {
    setText(current?.text ?? "");
    setBaseline(current ? String(current.version) : "");
    setCandidate("");
  }, [policy, current?.version]);

  const start = async () => {
    if (!current || starting) return;
    const n = Number(replay);
    if (source === "replay" && !(Number.isInteger(n) && n >= 1 && n <= 1000)) return setError("Replay 1 to 1,000 decisions.");
    const chosen = candidate || String(numbers[numbers.length - 1] ?? "");
    if (kind === "version" && !chosen) return setError("Choose the candidate version.");
    setStarting(true);
    setError(null);
    try {
      const run = await api<Run>("/v1/runs", {
        method: "POST",
        body: {
          policy,
          candidate: kind === "draft" ? { draft: draftOf(current, text) } : { version: Number(chosen) },
          // A replay's baseline is the verdicts logged then; only a labelled set names one.
          ...(baseline && source === "set" ? { baseline: { version: Number(baseline) } } : {}),
          items: source === "set" ? { labelled_set: true } : { replay: n },
          mode,
        },
      });
      navigate(["runs", run.id]);
    } catch (e) {
      setError(describe(e));
      setStarting(false);
    }
  };
  const shortcuts = [
    { key: "mod+enter", label: "start the run", run: start },
    { key: "Escape", label: "runs", run: () => navigate(["runs"], { policy }) },
  ];
  useShortcuts(shortcuts);

  const versionChoices = [...numbers].reverse().map((v): [string, string] => [String(v), v === current?.version ? `v${v} (live)` : `v${v}`]);
  return (
    <>
      <form
        class="run-form"
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        <div class="fields">
          <Select label="Policy" value={policy} options={policies.map((p) => [p.id, p.id])} onChange={setPolicy} />
          {source === "set" ? (
          <Select label="Baseline" value={baseline} options={versionChoices} onChange={setBaseline} />
        ) : (
          <p class="baseline-logged">
            <strong>Baseline</strong> the verdicts logged then
          </p>
        )}
          <Select label="Mode" value={mode} options={[["score", "score (fast, probabilities)"], ["reason", "reason (with rationales)"]]} onChange={setMode} />
        </div>
        <fieldset>
          <legend>Items</legend>
          <label class="inline">
            <input type="radio" name="source" checked={source === "set"} onChange={() => setSource("set")} /> {policy}'s labelled set
          </label>
          <label class="inline">
            <input type="radio" name="source" checked={source === "replay"} onChange={() => setSource("replay")} /> the last
          </label>
          <label class="inline">
            <span class="visually-hidden">Number of logged decisions to replay</span>
            <input type="number" min="1" max="1000" value={replay} disabled={source !== "replay"} onInput={(e) => setReplay((e.target as HTMLInputElement).value)} />
          </label>{" "}
          logged decisions
        </fieldset>
        <fieldset>
          <legend>Candidate</legend>
          <label class="inline">
            <input type="radio" name="kind" checked={kind === "draft"} onChange={() => setKind("draft")} /> a draft, edited below
          </label>
          <label class="inline">
            <input type="radio" name="kind" checked={kind === "version"} onChange={() => setKind("version")} /> a stored version
          </label>
          {kind === "version" ? (
            <Select label="Candidate version" value={candidate || String(numbers[numbers.length - 1] ?? "")} options={versionChoices} onChange={setCandidate} />
          ) : (
            <label class="draft-text">
              <span>
                Draft text <span class="muted">(from v{current?.version}; nothing is stored unless promoted)</span>
              </span>
              <textarea rows={14} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
            </label>
          )}
        </fieldset>
        {versions.error && <ErrorBox message={versions.error} retry={versions.reload} />}
        <FieldError message={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={starting || !current}>
            {starting ? "Starting…" : "Start run"}
          </button>
        </div>
      </form>
      <ShortcutBar shortcuts={shortcuts} />
    </>
  );
}

export function RunNew({ policy }: { policy: string | null }) {
  const policies = useApi<{ policies: Policy[] }>("/v1/policies");
  useEffect(() => {
    document.title = "New run · arbiter";
  }, []);
  const list = policies.data?.policies ?? [];
  return (
    <section class="screen">
      <p class="crumbs">
        <a href={href(["runs"], policy ? { policy } : undefined)}>Runs</a> / new
      </p>
      <header class="screen-head">
        <h1>New run</h1>
      </header>
      {policies.error ? (
        <ErrorBox message={policies.error} retry={policies.reload} />
      ) : !policies.data ? (
        <Loading what="policies" />
      ) : list.length === 0 ? (
        <Empty title="No policies are stored: there is nothing to run." />
      ) : (
        <Form policies={list} initial={list.some((p) => p.id === policy) ? policy! : list[0].id} />
      )}
    </section>
  );
}
