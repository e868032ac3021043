// The items whose verdict two versions disagree on: the content, then each side's verdict and
// rationale side by side, and the label reviewers gave where there is one. A run's flips and a
// shadow's differing items both read this way.
import type { ComponentChildren } from "preact";
import { AnyContent, LabelBadge, Rationale } from "./review_parts";
import type { Content } from "./types";

export interface Side {
  name: string; // "baseline v2", "shadow v3"
  violation: boolean | null;
  probability: number | null;
  rationale: string;
}

export interface Difference {
  key: string;
  title: ComponentChildren;
  content: Content | string | null;
  gold?: boolean | null;
  sides: [Side, Side];
}

// `reasoned`: some item in the list has a rationale, so a missing one is worth saying.
function SideView({ side, gold, reasoned }: { side: Side; gold: boolean | null | undefined; reasoned: boolean }) {
  const right = gold === null || gold === undefined || side.violation === null ? null : gold === side.violation;
  return (
    <div class="flip-side">
      <h4>
        {side.name} <LabelBadge violation={side.violation} />
        {side.probability !== null && <span class="muted"> p {side.probability.toFixed(3)}</span>}
        {right !== null && <span class={right ? "agrees" : "disagree"}>{right ? " right" : " wrong"}</span>}
      </h4>
      {(side.rationale || reasoned) && <Rationale text={side.rationale} label={`Rationale of ${side.name}`} />}
    </div>
  );
}

export function Differences({ items, empty }: { items: Difference[]; empty: string }) {
  if (items.length === 0) return <p class="muted">{empty}</p>;
  const reasoned = items.some((d) => d.sides.some((s) => s.rationale));
  return (
    <>
      {!reasoned && <p class="muted">No rationales: these verdicts were judged in score mode, which gives none.</p>}
      <ol class="flips">
        {items.map((d) => (
          <li key={d.key} class="flip">
            <h3>
              {d.title}
              {d.gold !== null && d.gold !== undefined && (
                <span class="muted">
                  {" "}
                  · labelled <LabelBadge violation={d.gold} />
                </span>
              )}
            </h3>
            <AnyContent content={d.content} />
            <div class="flip-sides">
              <SideView side={d.sides[0]} gold={d.gold} reasoned={reasoned} />
              <SideView side={d.sides[1]} gold={d.gold} reasoned={reasoned} />
            </div>
          </li>
        ))}
      </ol>
    </>
  );
}
