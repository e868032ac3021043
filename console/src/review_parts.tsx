// Small pieces of the review screens: a label as a badge (a reviewer's, a gold label, a version's
// side of a flip, none of which is a whole verdict), a rationale, and content that may come as
// the plain text a run's comparison quotes.
import type { Content } from "./types";
import { ContentView } from "./verdict_view";

export function LabelBadge({ violation }: { violation: boolean | null }) {
  if (violation === null) return <span class="verdict-badge verdict-other">no label</span>;
  return violation ? (
    <span class="verdict-badge verdict-violates">violates</span>
  ) : (
    <span class="verdict-badge verdict-safe">safe</span>
  );
}

// A rationale, or a plain word that there is none (score mode and the fast tier give none).
export function Rationale({ text, label }: { text: string | null | undefined; label: string }) {
  if (!text) return <p class="muted">No rationale (score mode and the fast tier give none).</p>;
  return (
    <pre class="rationale" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

// eval::compare quotes a flipped item's content as its text; the log keeps it as its kind.
export function AnyContent({ content }: { content: Content | string | null }) {
  return typeof content === "string" ? <pre class="text">{content}</pre> : <ContentView content={content} />;
}
