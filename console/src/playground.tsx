// The playground: one content judged by one or two policies side by side (stored versions or an
// unsaved draft), in score or reason mode, the reasoning shown as the model writes it
// (POST /v1/playground's events). #/playground?policy=ID&v=N opens with that version chosen.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { describe } from "./api";
import { ContentEditor, emptyContent, hasContent, toContent } from "./content_editor";
import type { ContentDraft } from "./content_editor";
import { postEvents } from "./event_stream";
import { Select } from "./select";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, Loading } from "./states";
import type { Policy, Verdict, Versions } from "./types";
import { useApi } from "./use_api";
import { useLint } from "./use_lint";
import { VerdictFacts } from "./verdict_view";

// A column's choice: a policy and a stored version ("" for the current one) or "draft".
interface Choice {
  policy: string;
  version: string;
  draft: Record<string, unknown> | null; // the draft policy, once prefilled from a version
}

interface Result {
  reasoning: string;
  verdict: Verdict | null;
}

const draftFields = ["title", "output", "effort", "labels", "text"] as const;

// A field's label: short on screen, naming its column for screen readers.
function ColumnLabel({ text, column }: { text: string; column: number }) {
  return (
    <>
      {text}
      <span class="visually-hidden"> (column {column})</span>
    </>
  );
}

function DraftEditor({ draft, onChange, column }: { draft: Record<string, unknown>; onChange: (d: Record<string, unknown>) => void; column: number }) {
  const lint = useLint(draft);
  const warnings = lint.result?.warnings ?? [];
  return (
    <div class="draft">
      <label>
        <ColumnLabel text="Draft policy text" column={column} />
        <textarea
          class="draft-text"
          rows={12}
          value={String(draft.text ?? "")}
          onInput={(e) => onChange({ ...draft, text: (e.target as HTMLTextAreaElement).value })}
        />
      </label>
      <div class="lint" aria-live="polite">
        {lint.checking ? (
          <p class="muted">Checking the draft…</p>
        ) : lint.invalid ? (
          <p class="field-error">{lint.invalid}</p>
        ) : lint.failed ? (
          <p class="field-error">Could not check the draft: {lint.failed}</p>
        ) : warnings.length === 0 ? (
          <p class="ok">No lint findings · about {lint.result?.estimated_tokens} tokens</p>
        ) : (
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>
                {w.line ? `Line ${w.line}: ` : ""}
                {w.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

// A column: its policy and version, then `children` (the result), then a draft's editor, so the
// two columns' verdicts start level however long a draft is.
function Column({
  policies,
  choice,
  onChange,
  column,
  children,
}: {
  policies: Policy[];
  choice: Choice;
  onChange: (c: Choice) => void;
  column: number;
  children: ComponentChildren;
}) {
  const id = encodeURIComponent(choice.policy);
  const versions = useApi<Versions>(choice.policy ? `/v1/policies/${id}/versions` : null);
  const needsBase = choice.version === "draft" && choice.draft === null;
  // The draft starts from the chosen policy's current version (its latest, if it was retired).
  const from = versions.data ? (versions.data.current ?? versions.data.versions[versions.data.versions.length - 1]?.version) : null;
  const base = useApi<Policy>(needsBase && from ? `/v1/policies/${id}?version=${from}` : null);
  useEffect(() => {
    if (!needsBase || !base.data) return;
    const d: Record<string, unknown> = {};
    for (const f of draftFields) d[f] = base.data[f];
    onChange({ ...choice, draft: d });
  }, [needsBase, base.data]);
  const stored = versions.data?.versions ?? [];
  const versionOptions: [string, string][] = [
    ["", `current${versions.data?.current ? ` (v${versions.data.current})` : ""}`],
    ...[...stored].reverse().map((v): [string, string] => [String(v.version), `v${v.version}`]),
    ["draft", "draft (unsaved)"],
  ];
  return (
    <section class="column" aria-label={`Column ${column}`}>
      <div class="choice-pick">
        <Select
          label={<ColumnLabel text="Policy" column={column} />}
          value={choice.policy}
          options={policies.map((p): [string, string] => [p.id, p.title || p.id])}
          onChange={(policy) => onChange({ policy, version: "", draft: null })}
        />
        <Select
          label={<ColumnLabel text="Version" column={column} />}
          value={choice.version}
          options={versionOptions}
          onChange={(version) => onChange({ ...choice, version, draft: version === "draft" ? choice.draft : null })}
        />
      </div>
      {versions.error && <ErrorBox message={versions.error} retry={versions.reload} />}
      {children}
      {choice.version === "draft" &&
        (base.error ? (
          <ErrorBox message={base.error} retry={base.reload} />
        ) : choice.draft ? (
          <DraftEditor draft={choice.draft} onChange={(draft) => onChange({ ...choice, draft })} column={column} />
        ) : (
          <Loading what="the version to start the draft from" />
        ))}
    </section>
  );
}

function ResultView({ result, running, column }: { result: Result | undefined; running: boolean; column: number }) {
  // The newest reasoning stays in view as it streams in.
  const reasoning = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (reasoning.current) reasoning.current.scrollTop = reasoning.current.scrollHeight;
  }, [result?.reasoning]);
  if (!result) return <Empty title="No run yet">Press Run (Ctrl+Enter) to judge the content.</Empty>;
  return (
    <div class="result" aria-label={`Result of column ${column}`}>
      {result.verdict && <VerdictFacts v={result.verdict} />}
      <h3>Reasoning</h3>
      {result.reasoning ? (
        <pre class="text reasoning" ref={reasoning} tabIndex={0} aria-label={`Reasoning of column ${column}`}>
          {result.reasoning}
        </pre>
      ) : (
        <p class="muted">{running && !result.verdict ? "Waiting for the model…" : "No reasoning (score mode, or a tier that decided without the model)."}</p>
      )}
    </div>
  );
}

export function Playground({ query }: { query: URLSearchParams }) {
  const policies = useApi<{ policies: Policy[] }>("/v1/policies");
  const [content, setContent] = useState<ContentDraft>(emptyContent);
  const [choices, setChoices] = useState<Choice[]>([]);
  const [mode, setMode] = useState("reason");
  const [effort, setEffort] = useState("");
  const [results, setResults] = useState<Result[]>([]);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    document.title = "Playground · arbiter";
    return () => abort.current?.abort();
  }, []);
  // The first column starts on the policy the link named, else the first policy.
  useEffect(() => {
    const list = policies.data?.policies ?? [];
    if (choices.length || !list.length) return;
    const asked = list.find((p) => p.id === query.get("policy"));
    setChoices([{ policy: (asked ?? list[0]).id, version: asked ? (query.get("v") ?? "") : "", draft: null }]);
  }, [policies.data]);

  const ready = choices.length > 0 && hasContent(content) && choices.every((c) => c.version !== "draft" || c.draft);
  const run = () => {
    if (!ready || running) return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    const runs = choices.map((c) =>
      c.version === "draft" ? { policy: c.draft } : c.version ? { policy: c.policy, version: Number(c.version) } : { policy: c.policy },
    );
    const body: Record<string, unknown> = { content: toContent(content), runs, mode };
    if (effort) body.effort = effort;
    const next: Result[] = choices.map(() => ({ reasoning: "", verdict: null }));
    setResults(next.map((r) => ({ ...r })));
    setError(null);
    setRunning(true);
    postEvents(
      "/v1/playground",
      body,
      (e) => {
        const data = e.data as { run?: number; text?: string; verdict?: Verdict; message?: string };
        if (e.name === "reasoning" && data.run !== undefined) next[data.run].reasoning += data.text ?? "";
        else if (e.name === "verdict" && data.run !== undefined) next[data.run].verdict = data.verdict ?? null;
        else if (e.name === "error") setError(data.message ?? "The run failed.");
        setResults(next.map((r) => ({ ...r })));
      },
      controller.signal,
    ).then(
      () => setRunning(false),
      (e) => {
        if (controller.signal.aborted) return;
        setError(describe(e));
        setRunning(false);
      },
    );
  };
  const setChoice = (i: number) => (c: Choice) => setChoices((all) => all.map((old, k) => (k === i ? c : old)));
  const shortcuts = [{ key: "mod+enter", label: "run", run, when: ready && !running }];
  useShortcuts(shortcuts);

  let body;
  if (policies.error) body = <ErrorBox message={policies.error} retry={policies.reload} />;
  else if (!policies.data) body = <Loading what="policies" />;
  else if (!policies.data.policies.length) body = <Empty title="No policies yet">Store a policy first: the playground judges content against one.</Empty>;
  else
    body = (
      <>
        <ContentEditor value={content} onChange={setContent} />
        <div class="run-bar">
          <Select label="Mode" value={mode} options={[["reason", "reason"], ["score", "score"]]} onChange={setMode} />
          <Select
            label="Effort"
            value={effort}
            options={[["", "policy's own"], ["low", "low"], ["medium", "medium"], ["high", "high"]]}
            onChange={setEffort}
          />
          {choices.length < 2 ? (
            <button type="button" onClick={() => setChoices([...choices, { ...choices[0], draft: null, version: "draft" }])}>
              Compare with a second column
            </button>
          ) : (
            <button type="button" onClick={() => setChoices(choices.slice(0, 1))}>
              Remove column 2
            </button>
          )}
          <button type="button" class="primary" disabled={!ready || running} onClick={run}>
            {running ? "Running…" : "Run"}
          </button>
          {running && (
            <button type="button" onClick={() => (abort.current?.abort(), setRunning(false))}>
              Stop
            </button>
          )}
        </div>
        {error && <ErrorBox message={error} />}
        <div class={`columns columns-${choices.length}`}>
          {choices.map((c, i) => (
            <Column key={i} policies={policies.data!.policies} choice={c} onChange={setChoice(i)} column={i + 1}>
              <ResultView result={results[i]} running={running} column={i + 1} />
            </Column>
          ))}
        </div>
      </>
    );
  return (
    <section class="screen">
      <header class="screen-head">
        <div>
          <h1>Playground</h1>
          <p class="muted">Judge one content against policies side by side; drafts are not saved.</p>
        </div>
      </header>
      {body}
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}
