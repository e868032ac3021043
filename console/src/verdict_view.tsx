// A verdict and the content it judged, as the playground and the decision log show them.
import type { Content, Turn, Verdict } from "./types";

export function VerdictBadge({ v }: { v: Verdict }) {
  if (v.status !== "ok") return <span class="verdict-badge verdict-other">{v.status}</span>;
  if (v.violation === null) return <span class="verdict-badge verdict-other">no decision</span>;
  return v.violation ? (
    <span class="verdict-badge verdict-violates">violates</span>
  ) : (
    <span class="verdict-badge verdict-safe">safe</span>
  );
}

export function percent(p: number | null | undefined): string {
  return p === null || p === undefined ? "—" : `${(p * 100).toFixed(1)}%`;
}

// Everything a verdict says but its rationale.
export function VerdictFacts({ v }: { v: Verdict }) {
  return (
    <dl class="facts">
      <dt>Verdict</dt>
      <dd>
        <VerdictBadge v={v} />
        {v.error && <span class="field-error"> {v.error}</span>}
      </dd>
      <dt>Probability</dt>
      <dd>{percent(v.probability)}</dd>
      <dt>Category</dt>
      <dd>{v.category ?? "—"}</dd>
      <dt>Rule ids</dt>
      <dd>{v.rule_ids.length ? v.rule_ids.join(", ") : "—"}</dd>
      <dt>Tier</dt>
      <dd>{v.tier}</dd>
      <dt>Tokens</dt>
      <dd>
        {v.usage.prompt_tokens} prompt · {v.usage.cached_tokens} cached · {v.usage.completion_tokens} completion
      </dd>
      <dt>Latency</dt>
      <dd>{v.latency_ms.toFixed(0)} ms</dd>
    </dl>
  );
}

// A turn in one line: its text, or the tools it calls.
function turnLine(m: Turn): string {
  const calls = (m.tool_calls ?? []).map((c) => `${c.function.name}(${c.function.arguments})`);
  const who = m.role === "tool" && m.name ? `tool ${m.name}` : m.role;
  return `${who}: ${[m.content, ...calls].filter((x) => x).join(" ")}`;
}

// A call's arguments laid out for reading: indented when they are JSON, as written otherwise.
function readableArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// An agent's turn: what the model said, the tools it called with their arguments, or what a tool
// returned to which call.
function TurnView({ turn }: { turn: Turn }) {
  const title = turn.role === "tool" ? `tool result${turn.name ? ` · ${turn.name}` : ""}` : turn.role;
  return (
    <li>
      <h3>
        {title}
        {turn.tool_call_id ? <span class="muted"> (call {turn.tool_call_id})</span> : null}
      </h3>
      {turn.content || !turn.tool_calls?.length ? <pre class="text">{turn.content}</pre> : null}
      {(turn.tool_calls ?? []).map((c, k) => (
        <div class="tool-call" key={k}>
          <h4>
            calls <code>{c.function.name}</code>
            {c.id ? <span class="muted"> (call {c.id})</span> : null}
          </h4>
          <pre class="text">{readableArguments(c.function.arguments)}</pre>
        </div>
      ))}
    </li>
  );
}

// One line of content for a table.
export function snippet(content: Content | null, length = 90): string {
  if (!content) return "(content not stored)";
  const text =
    "text" in content
      ? content.text
      : "prompt" in content
        ? `${content.prompt} → ${content.response}`
        : content.messages.map(turnLine).join(" · ");
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

// The content as its kind: a message, a prompt and its response, or a conversation's turns.
export function ContentView({ content }: { content: Content | null }) {
  if (!content) return <p class="muted">The server runs with --no-store-content: only the content's hash is kept.</p>;
  if ("text" in content) return <pre class="text">{content.text}</pre>;
  if ("prompt" in content)
    return (
      <div class="turns">
        <h3>Prompt</h3>
        <pre class="text">{content.prompt}</pre>
        <h3>Response</h3>
        <pre class="text">{content.response}</pre>
      </div>
    );
  return (
    <ol class="turns">
      {content.messages.map((m, i) => (
        <TurnView turn={m} key={i} />
      ))}
    </ol>
  );
}
