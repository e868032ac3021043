// The content a playground run judges: a message, a prompt and its response, or a conversation
// of turns that can be added and removed.
import type { Content, Turn } from "./types";

export type ContentKind = "message" | "completion" | "conversation";

export interface ContentDraft {
  kind: ContentKind;
  text: string;
  prompt: string;
  response: string;
  turns: Turn[];
}

export const emptyContent: ContentDraft = {
  kind: "message",
  text: "",
  prompt: "",
  response: "",
  turns: [
    { role: "user", content: "" },
    { role: "assistant", content: "" },
  ],
};

export function toContent(d: ContentDraft): Content {
  if (d.kind === "message") return { text: d.text };
  if (d.kind === "completion") return { prompt: d.prompt, response: d.response };
  return { messages: d.turns };
}

// Whether there is anything to judge.
export function hasContent(d: ContentDraft): boolean {
  if (d.kind === "message") return d.text.trim() !== "";
  if (d.kind === "completion") return d.response.trim() !== "" || d.prompt.trim() !== "";
  return d.turns.some((t) => t.content.trim() !== "");
}

const kinds: [ContentKind, string][] = [
  ["message", "Message"],
  ["completion", "Prompt + response"],
  ["conversation", "Conversation"],
];

export function ContentEditor({ value, onChange }: { value: ContentDraft; onChange: (d: ContentDraft) => void }) {
  const field = (name: "text" | "prompt" | "response") => (e: Event) =>
    onChange({ ...value, [name]: (e.target as HTMLTextAreaElement).value });
  const setTurn = (i: number, turn: Partial<Turn>) =>
    onChange({ ...value, turns: value.turns.map((t, k) => (k === i ? { ...t, ...turn } : t)) });
  return (
    <fieldset class="content-editor">
      <legend>Content</legend>
      <div class="segmented" role="group" aria-label="Kind of content">
        {kinds.map(([kind, label]) => (
          <button
            key={kind}
            type="button"
            aria-pressed={value.kind === kind}
            onClick={() => onChange({ ...value, kind })}
          >
            {label}
          </button>
        ))}
      </div>
      {value.kind === "message" && (
        <label>
          Message
          <textarea rows={4} value={value.text} onInput={field("text")} placeholder="Paste the message to judge" />
        </label>
      )}
      {value.kind === "completion" && (
        <>
          <label>
            Prompt
            <textarea rows={3} value={value.prompt} onInput={field("prompt")} />
          </label>
          <label>
            Response
            <textarea rows={4} value={value.response} onInput={field("response")} />
          </label>
        </>
      )}
      {value.kind === "conversation" && (
        <ol class="turn-list">
          {value.turns.map((t, i) => (
            <li key={i}>
              <label>
                Role of turn {i + 1}
                <select value={t.role} onChange={(e) => setTurn(i, { role: (e.target as HTMLSelectElement).value })}>
                  <option value="user">user</option>
                  <option value="assistant">assistant</option>
                </select>
              </label>
              <label class="grow">
                Text of turn {i + 1}
                <textarea rows={2} value={t.content} onInput={(e) => setTurn(i, { content: (e.target as HTMLTextAreaElement).value })} />
              </label>
              <button
                type="button"
                disabled={value.turns.length === 1}
                onClick={() => onChange({ ...value, turns: value.turns.filter((_, k) => k !== i) })}
              >
                Remove<span class="visually-hidden"> turn {i + 1}</span>
              </button>
            </li>
          ))}
          <li>
            <button
              type="button"
              onClick={() => {
                const last = value.turns[value.turns.length - 1];
                const role = last?.role === "user" ? "assistant" : "user";
                onChange({ ...value, turns: [...value.turns, { role, content: "" }] });
              }}
            >
              Add turn
            </button>
          </li>
        </ol>
      )}
    </fieldset>
  );
}
