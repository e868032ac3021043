// One run: its progress while it goes (polled), then baseline against candidate: the metrics with
// intervals, both confusion matrices, ROC and PR curves, and every flipped item with both
// rationales. An admin promotes the candidate to live from here.
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "./api";
import { Confusion, MetricsTable } from "./run_metrics";
import { CurveChart } from "./curve_chart";
import { type Difference, Differences } from "./flips_view";
import { when } from "./format";
import type { Metrics, Run } from "./review_types";
import { href, navigate } from "./route";
import { CancelButton, Progress, baselineName, candidateName, itemsName } from "./runs_list";
import { ScreenFrame } from "./screen_frame";
import { useShortcuts } from "./shortcuts";
import { ErrorBox, FieldError, Loading } from "./states";
import type { Me, Policy } from "./types";
import { can } from "./types";
import { active, usePoll } from "./use_poll";

function Promote({ run, onPromoted }: { run: Run; onPromoted: (p: Policy) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const promote = async () => {
    setBusy(true);
    setError(null);
    try {
      onPromoted(await api<Policy>(`/v1/policies/${encodeURIComponent(run.policy)}/promote`, { method: "POST", body: { run: run.id } }));
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <div class="promote">
      {!asking ? (
        <button type="button" class="primary" onClick={() => setAsking(true)}>
          Promote {candidateName(run)} to live…
        </button>
      ) : (
        <div class="confirm" role="alertdialog" aria-label="Confirm promotion">
          <p>
            Store {candidateName(run)} as {run.policy}'s next version and judge live traffic with it from now on?
          </p>
          <button type="button" class="primary" onClick={promote} disabled={busy}>
            {busy ? "Promoting…" : "Yes, promote"}
          </button>{" "}
          <button type="button" onClick={() => setAsking(false)} disabled={busy}>
            Not now
          </button>
        </div>
      )}
      <FieldError message={error} />
    </div>
  );
}

function curveSummary(kind: "roc" | "pr", b: Metrics, c: Metrics): string {
  const area = (m: Metrics) => (kind === "roc" ? m.roc_auc : m.pr_auc);
  const f = (x: number | null | undefined) => (x === null || x === undefined ? "undefined" : x.toFixed(3));
  return `area under it ${f(area(b))} for the baseline, ${f(area(c))} for the candidate`;
}

function Results({ run, me }: { run: Run; me: Me }) {
  const [promoted, setPromoted] = useState<Policy | null>(null);
  const r = run.results!;
  const names: [string, string] = [baselineName(run), candidateName(run)];
  const block = r.comparison.policies[0];
  const curves = !!(r.baseline.curves || r.candidate.curves);
  const flips = r.comparison.flips.map(
    (f): Difference => ({
      key: f.id,
      title: f.id,
      content: f.content,
      gold: f.gold,
      sides: [
        { name: `baseline ${names[0]}`, ...f.before },
        { name: `candidate ${names[1]}`, ...f.after },
      ],
    }),
  );
  return (
    <>
      <div class="run-top">
        <section aria-label="Metrics">
          <h2>Metrics</h2>
          <MetricsTable baseline={r.baseline} candidate={r.candidate} names={names} />
          {block && (
            <p class="help">
              {block.compared} items compared, {block.flipped} flipped; McNemar p = {block.mcnemar.p_value?.toFixed(3) ?? "—"} (
              {block.mcnemar.only_after_right} only the candidate got right, {block.mcnemar.only_before_right} only the baseline).
            </p>
          )}
        </section>
        <section aria-label="Confusion matrices" class="confusions">
          <h2>Confusion</h2>
          <Confusion metrics={r.baseline} title={`Baseline ${names[0]}`} />
          <Confusion metrics={r.candidate} title={`Candidate ${names[1]}`} />
        </section>
      </div>
      {can(me, "admin") && (
        <section aria-label="Promotion" class="promotion">
          {promoted ? (
            <p class="saved" role="status">
              Promoted: {run.policy} is now live at{" "}
              <a href={href(["policies", run.policy], { v: promoted.version })}>version {promoted.version}</a>.
            </p>
          ) : (
            <Promote run={run} onPromoted={setPromoted} />
          )}
        </section>
      )}
      <section aria-label="Curves">
        <h2>Curves</h2>
        {curves ? (
          <div class="charts">
            <CurveChart kind="roc" baseline={r.baseline.curves?.roc} candidate={r.candidate.curves?.roc} summary={curveSummary("roc", r.baseline, r.candidate)} />
            <CurveChart kind="pr" baseline={r.baseline.curves?.pr} candidate={r.candidate.curves?.pr} summary={curveSummary("pr", r.baseline, r.candidate)} />
          </div>
        ) : (
          <p class="muted">No curves: these verdicts carry no probabilities (score mode gives them).</p>
        )}
      </section>
      <section aria-label="Flipped items">
        <h2>
          Flipped items <span class="muted">({flips.length})</span>
        </h2>
        <Differences items={flips} empty="No item flipped: both versions gave every item the same label." />
      </section>
    </>
  );
}

export function RunPage({ me, id }: { me: Me; id: string }) {
  const run = usePoll<Run>(`/v1/runs/${encodeURIComponent(id)}`, (r) => active(r.status));
  useEffect(() => {
    document.title = `Run ${id} · arbiter`;
  }, [id]);
  const r = run.data;
  const shortcuts = [{ key: "Escape", label: "runs", run: () => navigate(["runs"], r ? { policy: r.policy } : undefined) }];
  useShortcuts(shortcuts);

  let body;
  if (run.error && !r) body = <ErrorBox message={run.error} retry={run.reload} />;
  else if (!r) body = <Loading what={`run ${id}`} />;
  else if (r.status === "done" && r.results) body = <Results run={r} me={me} />;
  else if (active(r.status)) {
    body = (
      <div class="run-going" role="status">
        <p>
          {r.status === "queued" ? "Waiting for the run before it to finish (one runs at a time)." : "Judging the items…"}{" "}
          <Progress run={r} /> <CancelButton run={r} onDone={run.reload} />
        </p>
      </div>
    );
  } else if (r.status === "failed") body = <ErrorBox message={`The run failed: ${r.error ?? "no reason given"}`} />;
  else body = <p class="notice">The run was cancelled{r.finished_at ? ` at ${when(r.finished_at)}` : ""}; its results were dropped.</p>;

  return (
    <ScreenFrame
      crumbs={
        <>
          <a href={href(["runs"], r ? { policy: r.policy } : undefined)}>Runs</a> / {id}
        </>
      }
      title={
        <>
          {r ? `${r.policy}: ${candidateName(r)} against ${baselineName(r)}` : `Run ${id}`}{" "}
          {r && <span class={`status status-${r.status}`}>{r.status}</span>}
        </>
      }
      subtitle={
        r && (
          <>
            {itemsName(r)} · {r.mode} mode · started {when(r.created_at)} by {r.created_by}
            {r.finished_at && ` · finished ${when(r.finished_at)}`}
          </>
        )
      }
      actions={
        r && (
          <a class="button" href={href(["policies", r.policy], { view: "shadow" })}>
            {r.policy}'s shadow
          </a>
        )
      }
      shortcuts={shortcuts}
    >
      {body}
    </ScreenFrame>
  );
}
