// One policy's queue rules: which of its logged decisions go to review. Admins edit them; other
// roles see the same form read-only (a disabled fieldset), so both read the rules one way.
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "./api";
import { when } from "./format";
import type { QueueRules } from "./review_types";
import { href, navigate } from "./route";
import { ScreenFrame } from "./screen_frame";
import { useShortcuts } from "./shortcuts";
import { ErrorBox, FieldError, Loading } from "./states";
import type { Me } from "./types";
import { can } from "./types";
import { useApi } from "./use_api";

interface Form {
  band: boolean;
  min: string;
  max: string;
  flagged: boolean;
  escalated: boolean;
  sample: string;
}

function toForm(r: QueueRules | undefined): Form {
  return {
    band: !!r?.band,
    min: String(r?.band?.min ?? 0.3),
    max: String(r?.band?.max ?? 0.7),
    flagged: r?.flagged ?? false,
    escalated: r?.escalated ?? false,
    sample: String(r?.sample_percent ?? 0),
  };
}

// What the form says, checked here so a mistake is named beside its field before the server's 400.
function toRules(policy: string, f: Form): { rules: Omit<QueueRules, "updated_at" | "updated_by"> } | { error: string } {
  const min = Number(f.min);
  const max = Number(f.max);
  const sample = Number(f.sample);
  if (f.band && (f.min.trim() === "" || f.max.trim() === "" || !(min >= 0 && max <= 1 && min <= max)))
    return { error: "The band needs 0 ≤ min ≤ max ≤ 1." };
  if (f.sample.trim() === "" || !(sample >= 0 && sample <= 100)) return { error: "The sample is a percentage from 0 to 100." };
  return {
    rules: { policy, band: f.band ? { min, max } : null, flagged: f.flagged, escalated: f.escalated, sample_percent: sample },
  };
}

// The rules in one sentence, for the read-only view and the page's summary.
export function describeRules(r: QueueRules | undefined): string {
  if (!r) return "No rules: nothing is queued.";
  const parts: string[] = [];
  if (r.band) parts.push(`probability between ${r.band.min} and ${r.band.max}`);
  if (r.flagged) parts.push("every violation");
  if (r.escalated) parts.push("every escalation by the cascade");
  if (r.sample_percent > 0) parts.push(`a random ${r.sample_percent}% of the rest`);
  return parts.length ? `Queued: ${parts.join("; ")}.` : "The rules are all off: nothing is queued.";
}

// GET /v1/queue/rules: a list of every policy's rules (under "rules", or the answer itself).
function rulesOf(answer: unknown, policy: string): QueueRules | undefined {
  const list = Array.isArray(answer) ? answer : ((answer as { rules?: QueueRules[] } | null)?.rules ?? []);
  return (list as QueueRules[]).find((r) => r.policy === policy);
}

export function QueueRulesPage({ me, policy }: { me: Me; policy: string }) {
  const all = useApi<unknown>("/v1/queue/rules");
  const stored = all.data ? rulesOf(all.data, policy) : undefined;
  const [form, setForm] = useState<Form | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<QueueRules | null>(null);
  const admin = can(me, "admin");
  const current = saved ?? stored;

  useEffect(() => {
    document.title = `${policy} queue rules · arbiter`;
  }, [policy]);
  useEffect(() => {
    if (all.data) setForm(toForm(rulesOf(all.data, policy)));
  }, [all.data, policy]);

  const save = async () => {
    if (!form || saving) return;
    const checked = toRules(policy, form);
    if ("error" in checked) return setError(checked.error);
    setSaving(true);
    setError(null);
    try {
      setSaved(await api<QueueRules>(`/v1/queue/rules/${encodeURIComponent(policy)}`, { method: "PUT", body: checked.rules }));
    } catch (e) {
      setError(describe(e));
    } finally {
      setSaving(false);
    }
  };

  const shortcuts = [
    { key: "mod+s", label: "save", run: save, when: admin },
    { key: "Escape", label: "review queue", run: () => navigate(["queue"]) },
  ];
  useShortcuts(shortcuts);

  const set = (field: keyof Form, checkbox = false) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setForm({ ...form!, [field]: checkbox ? el.checked : el.value });
    setSaved(null);
  };

  let body;
  if (all.error) body = <ErrorBox message={all.error} retry={all.reload} />;
  else if (!form) body = <Loading what="the queue rules" />;
  else {
    body = (
      <form
        class="rules-form"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <p class="rules-summary">{describeRules(current)}</p>
        {current?.updated_at && (
          <p class="muted">
            Set {when(current.updated_at)} by {current.updated_by}
          </p>
        )}
        {!admin && <p class="notice">Your role ({me.role}) may read the rules; an admin key sets them.</p>}
        <fieldset disabled={!admin}>
          <legend>A decision goes to review when any of these matches</legend>
          <div class="rule">
            <label>
              <input type="checkbox" checked={form.band} onChange={set("band", true)} /> Its probability is in a band (score
              mode)
            </label>
            <div class="band">
              <label>
                from <input type="number" min="0" max="1" step="0.05" value={form.min} disabled={!form.band} onInput={set("min")} />
              </label>
              <label>
                to <input type="number" min="0" max="1" step="0.05" value={form.max} disabled={!form.band} onInput={set("max")} />
              </label>
            </div>
          </div>
          <div class="rule">
            <label>
              <input type="checkbox" checked={form.flagged} onChange={set("flagged", true)} /> It was flagged (every
              violation)
            </label>
          </div>
          <div class="rule">
            <label>
              <input type="checkbox" checked={form.escalated} onChange={set("escalated", true)} /> The cascade escalated it
              (the fast tier passed it to the model)
            </label>
          </div>
          <div class="rule">
            <label>
              A random sample of the rest:{" "}
              <input type="number" min="0" max="100" step="1" value={form.sample} onInput={set("sample")} /> %
            </label>
            <p class="help">Chosen by decision id, so the same decisions stay chosen.</p>
          </div>
        </fieldset>
        <FieldError message={error} />
        {saved && (
          <p class="saved" role="status">
            Saved. <a href={href(["queue", policy])}>Review {policy}'s queue</a>
          </p>
        )}
        {admin && (
          <div class="actions">
            <button type="submit" class="primary" disabled={saving}>
              {saving ? "Saving…" : "Save rules"}
            </button>
          </div>
        )}
      </form>
    );
  }

  return (
    <ScreenFrame
      crumbs={
        <>
          <a href={href(["queue"])}>Review queue</a> / {policy}
        </>
      }
      title={`Queue rules for ${policy}`}
      subtitle={`Which of ${policy}'s logged decisions reviewers see`}
      actions={
        <a class="button" href={href(["queue", policy])}>
          Review queue
        </a>
      }
      shortcuts={shortcuts}
    >
      {body}
    </ScreenFrame>
  );
}
