// The review queue's overview: per policy, what waits for review, what was reviewed, and how often
// reviewers agree with each other and with the model. A row opens that policy's queue.
import { useEffect, useState } from "preact/hooks";
import { percent } from "./format";
import type { QueueSummaryRow } from "./review_types";
import { href, navigate } from "./route";
import { ScreenFrame, TableHead } from "./screen_frame";
import { useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, Loading } from "./states";
import type { Me } from "./types";
import { can } from "./types";
import { useApi } from "./use_api";

export function QueueOverview({ me }: { me: Me }) {
  const summary = useApi<{ policies: QueueSummaryRow[] }>("/v1/queue/summary");
  const [selected, setSelected] = useState(0);
  const rows = summary.data?.policies ?? [];
  const at = Math.min(selected, Math.max(rows.length - 1, 0));
  const row = rows[at];

  useEffect(() => {
    document.title = "Review queue · arbiter";
  }, []);

  const shortcuts = [
    { key: "j", label: "next", run: () => setSelected(Math.min(at + 1, rows.length - 1)), also: ["ArrowDown"] },
    { key: "k", label: "previous", run: () => setSelected(Math.max(at - 1, 0)), also: ["ArrowUp"] },
    { key: "Enter", label: "review", run: () => row && navigate(["queue", row.policy]), when: rows.length > 0 },
    {
      key: "r",
      label: can(me, "admin") ? "edit rules" : "see rules",
      run: () => row && navigate(["queue", row.policy, "rules"]),
      when: rows.length > 0,
    },
  ];
  useShortcuts(shortcuts);

  let body;
  if (summary.loading && !summary.data) {
    body = <Loading what="the review queue" />;
  } else if (summary.error) {
    body = <ErrorBox message={summary.error} retry={summary.reload} />;
  } else if (rows.length === 0) {
    body = (
      <Empty title="No policies are stored, so nothing can be queued.">
        <p>Store a policy first (Policies), then set which of its decisions go to review.</p>
      </Empty>
    );
  } else {
    const ruled = rows.some((r) => r.rules);
    const anything = rows.some((r) => r.waiting > 0 || r.reviewed > 0);
    body = (
      <>
        {!ruled ? (
          <Empty title="No policy has queue rules yet, so nothing is queued.">
            <p>
              {can(me, "admin")
                ? "Open a policy's rules (r) and choose which decisions go to review: a probability band, every violation, escalations, or a random sample."
                : "An admin chooses which decisions go to review, per policy; ask one to set rules."}
            </p>
          </Empty>
        ) : (
          !anything && (
            <Empty title="The rules are set, but no logged decision matches them yet.">
              <p>
                Classify some traffic (<code>POST /v1/classify</code> against a stored policy): matching decisions appear
                here.
              </p>
            </Empty>
          )
        )}
        <table class="list queue-summary">
          <TableHead columns={["Policy", "Rules", "#Waiting", "#Reviewed", "#Reviewer agreement", "#Model agreement", "#Disagreements"]} />
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.policy} class={i === at ? "selected" : undefined} onClick={() => navigate(["queue", r.policy])}>
                <td>
                  <a href={href(["queue", r.policy])}>{r.policy}</a>
                </td>
                <td>
                  <a href={href(["queue", r.policy, "rules"])} onClick={(e) => e.stopPropagation()}>
                    {r.rules ? "set" : can(me, "admin") ? "set rules" : "none"}
                  </a>
                </td>
                <td class="num">{r.waiting}</td>
                <td class="num" title={`${r.reviews} reviews; ${r.double_reviewed} items reviewed twice or more`}>
                  {r.reviewed}
                </td>
                <td class="num" title={`of ${r.double_reviewed} items with two or more reviews`}>
                  {percent(r.agreement)}
                </td>
                <td class="num">{percent(r.model_agreement)}</td>
                <td class="num">{r.disagreements > 0 ? <strong class="disagree">{r.disagreements}</strong> : 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="help">
          Reviewer agreement: of the items reviewed by two people, the share whose reviews give one label. Model agreement:
          of the reviewed items, the share whose latest label is the model's verdict.
        </p>
      </>
    );
  }

  return (
    <ScreenFrame
      title="Review queue"
      subtitle="Logged decisions chosen by each policy's rules, to be marked right or wrong"
      actions={
        <button type="button" onClick={summary.reload}>
          Refresh
        </button>
      }
      shortcuts={shortcuts}
    >
      {body}
    </ScreenFrame>
  );
}
