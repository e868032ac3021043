// Content shown as its kind: one message, a prompt and its response, or a conversation turn by
// turn. Always text, never HTML (Preact escapes it), wrapped and scrollable when long.
import type { Content, Verdict } from "./review_types";

export function ContentView({ content }: { content: Content | string | null | undefined }) {
  if (content === null || content === undefined) return <p class="muted">No content was stored for this decision.</p>;
  if (typeof content === "string") return <pre class="content-text">{content}</pre>;
  if (content.messages) {
    return (
      <ol class="conversation" aria-label="Conversation">
        {content.messages.map((m, i) => (
          <li key={i} class={`turn turn-${m.role}`}>
            <span class="turn-role">{m.role}</span>
            <pre class="content-text">{m.content}</pre>
          </li>
        ))}
      </ol>
    );
  }
  if (content.prompt !== undefined || content.response !== undefined) {
    return (
      <dl class="exchange">
        <dt>Prompt</dt>
        <dd>
          <pre class="content-text">{content.prompt ?? ""}</pre>
        </dd>
        <dt>Response</dt>
        <dd>
          <pre class="content-text">{content.response ?? ""}</pre>
        </dd>
      </dl>
    );
  }
  return <pre class="content-text">{content.text ?? ""}</pre>;
}

// A verdict's label as a badge: violates, safe, or what went wrong instead.
export function VerdictBadge({ violation, status }: { violation: boolean | null; status?: string }) {
  if (violation === null) return <span class="verdict verdict-none">{status && status !== "ok" ? status : "no verdict"}</span>;
  return violation ? <span class="verdict verdict-violates">violates</span> : <span class="verdict verdict-safe">safe</span>;
}

// The verdict's facts on one line: label, probability, category, tier, version.
export function VerdictLine({ verdict }: { verdict: Verdict }) {
  return (
    <p class="verdict-line">
      <VerdictBadge violation={verdict.violation} status={verdict.status} />
      {verdict.probability !== null && <span>probability {verdict.probability.toFixed(3)}</span>}
      {verdict.category && <span>category {verdict.category}</span>}
      <span>tier {verdict.tier}</span>
      <span>v{verdict.policy_version}</span>
    </p>
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
