// One queued decision as a reviewer reads it: the content as its kind, the verdict, the model's
// rationale, why it was queued and what other reviewers said, disagreement marked.
import { LabelBadge, Rationale } from "./review_parts";
import { ContentView, VerdictFacts } from "./verdict_view";
import { when } from "./format";
import type { QueueItem, Review } from "./review_types";

const whyText: Record<string, string> = {
  band: "probability in the band",
  flagged: "flagged",
  escalated: "escalated by the cascade",
  sample: "random sample",
};

function Reviews({ reviews, disagreement }: { reviews: Review[]; disagreement: boolean }) {
  if (reviews.length === 0) return <p class="muted">No one has reviewed it yet.</p>;
  return (
    <>
      {disagreement && (
        <p class="disagreement" role="note">
          Reviewers disagree on this item.
        </p>
      )}
      <ul class="reviews">
        {reviews.map((r) => (
          <li key={r.id}>
            <strong>{r.reviewer}</strong> <LabelBadge violation={r.violation} />{" "}
            {r.agrees_with_model !== null && (
              <span class={r.agrees_with_model ? "agrees" : "disagree"}>{r.agrees_with_model ? "Model right" : "Model wrong"}</span>
            )}{" "}
            <span class="muted">{when(r.created_at)}</span>
            {r.note && <p class="note">{r.note}</p>}
          </li>
        ))}
      </ul>
    </>
  );
}

export function ReviewItem({ item }: { item: QueueItem }) {
  return (
    <div class="review-item">
      <section class="review-content" aria-label="Content">
        <h2>
          Content <span class="muted">· decision {item.decision_id} · {when(item.created_at)}</span>
        </h2>
        <ContentView content={item.content} />
      </section>
      <div class="review-side">
        <section aria-label="Verdict">
          <h2>
            Model's verdict <span class="muted">· v{item.policy_version}</span>
          </h2>
          <VerdictFacts v={item.verdict} />
          <p class="why">
            Queued: {item.why.length ? item.why.map((w) => whyText[w] ?? w).join(", ") : <span class="muted">no rule named</span>}
          </p>
        </section>
        <section aria-label="Rationale">
          <h2>Rationale</h2>
          <Rationale text={item.verdict.rationale} label="The model's rationale" />
        </section>
        <section aria-label="Other reviews">
          <h2>Other reviews</h2>
          <Reviews reviews={item.reviews} disagreement={item.disagreement} />
        </section>
      </div>
    </div>
  );
}
