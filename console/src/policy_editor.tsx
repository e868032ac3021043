// The editor: a policy's text and metadata, `policy lint`'s findings as you type, and save as the
// next version. The PUT states the version it expects to create (the one edited from, plus one),
// so if someone saved meanwhile the server answers 409 and both texts are shown side by side.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, describe } from "./api";
import { DiffView } from "./diff_view";
import { href, navigate } from "./route";
import { Select } from "./select";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { ErrorBox, Loading } from "./states";
import type { Policy } from "./types";
import { useApi } from "./use_api";
import { useLint } from "./use_lint";

interface Draft {
  id: string;
  title: string;
  output: string;
  effort: string;
  labels: string;
  text: string;
}

const blankText = `# Instructions
Decide whether the content violates this policy. Answer 0 or 1.

# Definitions

# What violates (1)

# What is safe (0)

# Examples
`;

function toDraft(p: Policy): Draft {
  return { id: p.id, title: p.title, output: p.output, effort: p.effort, labels: p.labels.join(", "), text: p.text };
}

// The policy to lint or store: the base's other fields (rules, cascade, stream) kept as they are.
function toPolicy(draft: Draft, base: Policy | null): Record<string, unknown> {
  const { version: _version, created_at: _created, deleted: _deleted, ...kept } = base ?? ({} as Partial<Policy>);
  return {
    ...kept,
    id: draft.id.trim() || "draft",
    title: draft.title,
    output: draft.output,
    effort: draft.effort,
    labels: draft.labels.split(",").map((l) => l.trim()).filter((l) => l !== ""),
    text: draft.text,
  };
}

function selectLine(area: HTMLTextAreaElement, line: number): void {
  const lines = area.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  // Scroll the line into view (the text does not wrap: one line is one line height).
  area.scrollTop = Math.max(0, (line - 5) * parseFloat(getComputedStyle(area).lineHeight));
}

function Editor({ base, creating }: { base: Policy | null; creating: boolean }) {
  const [initial] = useState<Draft>(
    base ? toDraft(base) : { id: "", title: "", output: "binary", effort: "medium", labels: "", text: blankText },
  );
  const [draft, setDraft] = useState<Draft>(initial);
  // The version the draft is edited from; a conflict resolved by keeping mine moves it on.
  const [from, setFrom] = useState<Policy | null>(base);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Policy | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lint = useLint(toPolicy(draft, from));
  const changed = JSON.stringify(draft) !== JSON.stringify(initial);
  const set = (field: keyof Draft) => (e: Event) => setDraft({ ...draft, [field]: (e.target as HTMLInputElement).value });

  const save = async () => {
    if (saving) return;
    if (creating && !draft.id.trim()) {
      setError("Give the policy an id first (letters, digits, '-', '_' or '.').");
      return;
    }
    setSaving(true);
    setError(null);
    const id = draft.id.trim();
    const body = { ...toPolicy(draft, from), version: from ? from.version + 1 : 1 };
    try {
      const saved = await api<Policy>(`/v1/policies/${encodeURIComponent(id)}`, { method: "PUT", body });
      navigate(["policies", id], from ? { view: "compare", from: from.version, to: saved.version } : { v: saved.version });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        try {
          setConflict(await api<Policy>(`/v1/policies/${encodeURIComponent(id)}`));
        } catch (again) {
          setError(`${e.message} (and the stored version could not be read: ${describe(again)})`);
        }
      } else {
        setError(describe(e));
      }
    } finally {
      setSaving(false);
    }
  };
  const cancel = () => {
    if (changed && !window.confirm("Discard your changes?")) return;
    navigate(base ? ["policies", base.id] : ["policies"]);
  };
  const shortcuts = [
    { key: "mod+s", label: "save", run: () => void save() },
    { key: "Escape", label: "cancel", run: cancel },
  ];
  useShortcuts(shortcuts);

  useEffect(() => {
    const leaving = (e: BeforeUnloadEvent) => {
      if (changed) e.preventDefault();
    };
    window.addEventListener("beforeunload", leaving);
    return () => window.removeEventListener("beforeunload", leaving);
  }, [changed]);

  const warnings = lint.result?.warnings ?? [];
  // Lines with a finding are marked in the gutter beside the text.
  const flagged = new Set(warnings.map((w) => w.line).filter((l) => l > 0));
  const next = from ? from.version + 1 : 1;
  return (
    <section class="screen editor">
      <p class="crumbs">
        <a href={href(["policies"])}>Policies</a> /{" "}
        {base ? (
          <>
            <a href={href(["policies", base.id])}>{base.id}</a> / edit
          </>
        ) : (
          "new policy"
        )}
      </p>
      <header class="screen-head">
        <div>
          <h1>{base ? `Edit ${base.id}` : "New policy"}</h1>
          <p class="muted">{from ? `Editing from v${from.version}; saving makes v${next}.` : "Saving makes version 1."}</p>
        </div>
        <div class="actions">
          <button type="button" onClick={cancel}>
            Cancel
          </button>
          <button type="button" class="primary" onClick={() => void save()} disabled={saving || conflict !== null}>
            {saving ? "Saving…" : `Save as v${next}`}
          </button>
        </div>
      </header>
      {error && <ErrorBox message={error} />}
      {conflict && (
        <div class="conflict" role="alert">
          <h2>Someone saved v{conflict.version} while you were editing v{from?.version ?? 0}</h2>
          <p>What differs between the stored text and yours is below, then both in full. Keep yours as the next version, or start again from theirs.</p>
          <DiffView before={conflict.text} after={draft.text} caption={`Stored v${conflict.version} → your draft`} />
          <div class="both">
            <div>
              <h3>Stored v{conflict.version}</h3>
              <pre class="text" tabIndex={0} aria-label={`Stored v${conflict.version}`}>
                {conflict.text}
              </pre>
            </div>
            <div>
              <h3>Your draft</h3>
              <pre class="text" tabIndex={0} aria-label="Your draft">
                {draft.text}
              </pre>
            </div>
          </div>
          <div class="actions">
            <button type="button" class="primary" onClick={() => (setFrom(conflict), setConflict(null))}>
              Keep mine, to save as v{conflict.version + 1}
            </button>
            <button type="button" onClick={() => (setDraft(toDraft(conflict)), setFrom(conflict), setConflict(null))}>
              Discard mine, edit v{conflict.version}
            </button>
          </div>
        </div>
      )}
      <div class="fields">
        {creating && (
          <label>
            Id
            <input value={draft.id} onInput={set("id")} placeholder="e.g. spam" spellcheck={false} required />
          </label>
        )}
        <label>
          Title
          <input value={draft.title} onInput={set("title")} />
        </label>
        <Select
          label="Output"
          value={draft.output}
          options={[
            ["binary", "binary (0 or 1)"],
            ["json", "json"],
            ["json_rationale", "json_rationale"],
          ]}
          onChange={(output) => setDraft({ ...draft, output })}
        />
        <Select
          label="Effort"
          value={draft.effort}
          options={[
            ["low", "low"],
            ["medium", "medium"],
            ["high", "high"],
          ]}
          onChange={(effort) => setDraft({ ...draft, effort })}
        />
        <label>
          Labels
          <input value={draft.labels} onInput={set("labels")} placeholder="e.g. SP0, SP2" spellcheck={false} />
        </label>
      </div>
      <div class="split editor-split">
        <div class="pane">
          <label for="policy-text" class="pane-title">
            Policy text
          </label>
          <div class="code-area">
            <div class="gutter" aria-hidden="true" ref={gutter}>
              {draft.text.split("\n").map((_, i) => (
                <div key={i} class={flagged.has(i + 1) ? "warn" : undefined}>
                  {i + 1}
                </div>
              ))}
            </div>
            <textarea
              id="policy-text"
              ref={area}
              value={draft.text}
              onInput={set("text")}
              onScroll={() => gutter.current && area.current && (gutter.current.scrollTop = area.current.scrollTop)}
              spellcheck={false}
              wrap="off"
            />
          </div>
        </div>
        <aside class="findings" aria-label="Lint findings" aria-live="polite">
          <h2>
            Lint {lint.checking && <span class="muted">checking…</span>}
          </h2>
          {lint.invalid ? (
            <p class="field-error">Cannot be saved as it is: {lint.invalid}</p>
          ) : lint.failed ? (
            <p class="field-error">The check failed: {lint.failed}</p>
          ) : !lint.result ? null : warnings.length === 0 ? (
            <p class="ok">No findings: the policy follows OpenAI's policy-writing advice.</p>
          ) : (
            <ul>
              {warnings.map((w, i) => (
                <li key={i}>
                  {w.line > 0 ? (
                    <button type="button" class="link" onClick={() => area.current && selectLine(area.current, w.line)}>
                      Line {w.line}
                    </button>
                  ) : (
                    <span class="whole">Whole policy</span>
                  )}{" "}
                  {w.message}
                </li>
              ))}
            </ul>
          )}
          {lint.result && <p class="muted">About {lint.result.estimated_tokens} tokens (estimated from characters).</p>}
        </aside>
      </div>
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}

export function PolicyEditor({ id }: { id: string | null }) {
  const base = useApi<Policy>(id === null ? null : `/v1/policies/${encodeURIComponent(id)}`);
  if (id === null) return <Editor base={null} creating />;
  if (base.error) return <ErrorBox message={base.error} retry={base.reload} />;
  if (!base.data) return <Loading what={`policy ${id}`} />;
  return <Editor key={base.data.version} base={base.data} creating={false} />;
}
