// One decision: the content as its kind, the verdict, the full rationale, and its reviews.
import { useEffect } from "preact/hooks";
import { when } from "./decisions";
import { href, navigate } from "./route";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { ErrorBox, Loading } from "./states";
import type { Decision } from "./types";
import { useApi } from "./use_api";
import { ContentView, VerdictBadge, VerdictFacts } from "./verdict_view";

// Why a decision has no rationale to show: score mode asks the model for a probability only, and
// the rules and the fast tier decide without the model.
function noRationale(d: Decision): string {
  if (d.verdict.tier !== "model") return `No rationale: the ${d.verdict.tier} tier decided without the model's reasoning.`;
  if (d.mode === "score") return "No rationale: in score mode the model gives a probability, not its reasoning.";
  return "The model gave no rationale.";
}

function Reviews({ decision }: { decision: Decision }) {
  if (!decision.reviews || decision.reviews.length === 0) return <p class="muted">No reviews yet.</p>;
  return (
    <ul class="reviews">
      {decision.reviews.map((r, i) => (
        <li key={i}>
          <p>
            <strong>{r.reviewer}</strong> <span class="muted">{when(r.created_at)} · against v{r.policy_version}</span>{" "}
            {r.violation === null ? <span class="badge">no label</span> : r.violation ? <span class="verdict-badge verdict-violates">violates</span> : <span class="verdict-badge verdict-safe">safe</span>}
          </p>
          {r.note && <p>{r.note}</p>}
        </li>
      ))}
    </ul>
  );
}

export function DecisionPage({ id }: { id: string }) {
  const decision = useApi<Decision>(`/v1/decisions/${encodeURIComponent(id)}`);
  useEffect(() => {
    document.title = `Decision ${id} · arbiter`;
  }, [id]);
  const shortcuts = [{ key: "Escape", label: "back to the search", run: () => (history.length > 1 ? history.back() : navigate(["decisions"])) }];
  useShortcuts(shortcuts);
  const d = decision.data;
  return (
    <section class="screen">
      <p class="crumbs">
        <a href={href(["decisions"])}>Decisions</a> / {id}
      </p>
      {decision.error ? (
        <ErrorBox message={decision.error} retry={decision.reload} />
      ) : !d ? (
        <Loading what={`decision ${id}`} />
      ) : (
        <>
          <header class="screen-head">
            <div>
              <h1>
                Decision {d.decision_id} <VerdictBadge v={d.verdict} />
              </h1>
              <p class="muted">
                {when(d.created_at)} · <a href={href(["policies", d.policy_id], { v: d.policy_version })}>{d.policy_id} v{d.policy_version}</a>
                {d.policy_source === "inline" ? " (sent inline)" : ""} · {d.mode} mode · request {d.request_id}
              </p>
            </div>
            {d.content && d.policy_source !== "inline" && (
              <div class="actions">
                <button type="button" onClick={() => navigate(["playground"], { policy: d.policy_id, v: d.policy_version })}>
                  Try this policy in the playground
                </button>
              </div>
            )}
          </header>
          <div class="decision-grid">
            <div>
              <h2>Content</h2>
              <ContentView content={d.content} />
              <h2 class="spaced">Rationale</h2>
              {d.verdict.rationale ? <pre class="text rationale">{d.verdict.rationale}</pre> : <p class="muted">{noRationale(d)}</p>}
            </div>
            <div>
              <h2>Verdict</h2>
              <VerdictFacts v={d.verdict} />
              <h2 class="spaced">Reviews</h2>
              <Reviews decision={d} />
            </div>
          </div>
        </>
      )}
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}
