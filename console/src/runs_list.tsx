// Runs, newest first, with live progress while any is queued or running, and Cancel. ?policy=ID
// narrows them to one policy and links to that policy's shadow.
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "./api";
import { when } from "./format";
import type { Run } from "./review_types";
import { href, navigate } from "./route";
import { ScreenFrame, TableHead } from "./screen_frame";
import { useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, Loading } from "./states";
import { active, usePoll } from "./use_poll";

export function candidateName(run: Run): string {
  const c = run.candidate;
  if (!c.draft) return `v${c.version}`;
  if (c.sha256) return `draft ${c.sha256.slice(0, 8)}`;
  return c.version !== undefined ? `draft for v${c.version}` : "draft";
}
export function baselineName(run: Run): string {
  return run.baseline?.version !== undefined ? `v${run.baseline.version}` : "logged verdicts";
}
export function itemsName(run: Run): string {
  return "replay" in run.items ? `last ${run.items.replay} decisions` : "labelled set";
}

export function Progress({ run }: { run: Run }) {
  const { done, total } = run.progress;
  return (
    <span class="progress">
      <progress max={Math.max(total, 1)} value={done} aria-label={`Run ${run.id}: ${done} of ${total} items`} />
      <span class="muted">
        {done}/{total}
      </span>
    </span>
  );
}

export function CancelButton({ run, onDone }: { run: Run; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  if (!active(run.status)) return null;
  const cancel = () =>
    api(`/v1/runs/${encodeURIComponent(run.id)}/cancel`, { method: "POST" }).then(onDone, (e) => setError(describe(e)));
  return (
    <>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
      {error && <span class="field-error">{error}</span>}
    </>
  );
}

export function RunsList({ policy }: { policy: string | null }) {
  const path = policy ? `/v1/runs?policy=${encodeURIComponent(policy)}` : "/v1/runs";
  const runs = usePoll<{ runs: Run[] } | Run[]>(path, (d) => listOf(d).some((r) => active(r.status)));
  const list = runs.data ? listOf(runs.data) : [];
  const [selected, setSelected] = useState(0);
  const at = Math.min(selected, Math.max(list.length - 1, 0));

  useEffect(() => {
    document.title = "Runs · arbiter";
  }, []);
  const shortcuts = [
    { key: "n", label: "new run", run: () => navigate(["runs", "new"], policy ? { policy } : undefined) },
    { key: "j", label: "next", run: () => setSelected(Math.min(at + 1, list.length - 1)), also: ["ArrowDown"] },
    { key: "k", label: "previous", run: () => setSelected(Math.max(at - 1, 0)), also: ["ArrowUp"] },
    { key: "Enter", label: "open", run: () => list[at] && navigate(["runs", list[at].id]), when: list.length > 0 },
  ];
  useShortcuts(shortcuts);

  let body;
  if (runs.loading && !runs.data) body = <Loading what="runs" />;
  else if (runs.error && !runs.data) body = <ErrorBox message={runs.error} retry={runs.reload} />;
  else if (list.length === 0) {
    body = (
      <Empty title={policy ? `No runs of ${policy} yet.` : "No runs yet."}>
        <p>
          A run judges a labelled set (or the last logged decisions) with a candidate version beside a baseline and compares
          them. Start one with New run (n); review some queued items first to have a labelled set.
        </p>
      </Empty>
    );
  } else {
    body = (
      <table class="list runs">
        <TableHead columns={[...(policy ? [] : ["Policy"]), "Run", "Candidate", "Baseline", "Items", "Mode", "Status", "Started", ""]} />
        <tbody>
          {list.map((r, i) => (
            <tr key={r.id} class={i === at ? "selected" : undefined} onClick={() => navigate(["runs", r.id])}>
              {!policy && <td>{r.policy}</td>}
              <td>
                {/* The id's start tells runs apart; the whole id shows on hover. */}
                <a href={href(["runs", r.id])} title={r.id}>
                  {r.id.slice(0, 12)}
                </a>
              </td>
              <td>{candidateName(r)}</td>
              <td>{baselineName(r)}</td>
              <td>{itemsName(r)}</td>
              <td>{r.mode}</td>
              <td>
                <span class={`status status-${r.status}`}>{r.status}</span> {active(r.status) && <Progress run={r} />}
                {r.error && <span class="field-error"> {r.error}</span>}
              </td>
              <td class="started">
                {when(r.created_at)}
                <span class="muted">by {r.created_by}</span>
              </td>
              <td class="row-actions" onClick={(e) => e.stopPropagation()}>
                <CancelButton run={r} onDone={runs.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }

  return (
    <ScreenFrame
      title={<>Runs{policy && <span class="muted"> of {policy}</span>}</>}
      subtitle="Versions judged over labelled sets or replayed traffic, compared with a baseline"
      shortcuts={shortcuts}
      actions={
        <>
          {policy && (
            <>
              <a class="button" href={href(["policies", policy], { view: "shadow" })}>
                {policy}'s shadow
              </a>
              <a class="button" href={href(["runs"])}>
                All policies
              </a>
            </>
          )}
          <a class="button primary" href={href(["runs", "new"], policy ? { policy } : undefined)}>
            New run
          </a>
        </>
      }
    >
      {body}
    </ScreenFrame>
  );
}

// GET /v1/runs: {"runs": [...]} or the list itself (the spec shows neither wrapper).
export function listOf(d: { runs: Run[] } | Run[]): Run[] {
  return Array.isArray(d) ? d : (d.runs ?? []);
}
