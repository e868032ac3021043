// Reviewing a policy's queue, one item at a time and keyboard-first: v or s chooses the label
// (shown against the model's verdict), Enter saves it with the note and moves to the next item,
// x skips, j/k move. The queue is loaded in pages; saved items leave it at once.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, describe } from "./api";
import type { Queue, QueueItem, Review } from "./review_types";
import { ReviewItem } from "./review_item";
import { href, navigate } from "./route";
import { ScreenFrame } from "./screen_frame";
import { useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, FieldError, Loading } from "./states";
import type { Me } from "./types";
import { can } from "./types";
import { useApi } from "./use_api";

// What the last save did, told after the screen has moved on to the next item.
function savedMessage(item: QueueItem, review: Review): string {
  const others = item.reviews.filter((r) => r.violation !== review.violation).map((r) => r.reviewer);
  const label = review.violation ? "violates" : "safe";
  const model = review.agrees_with_model === null ? "" : review.agrees_with_model ? " (model right)" : " (model wrong)";
  const clash = others.length ? ` ${others.join(", ")} said otherwise: the reviewers disagree on it.` : "";
  return `Saved decision ${item.decision_id} as ${label}${model}.${clash}`;
}

export function ReviewScreen({ me, policy }: { me: Me; policy: string }) {
  const queue = useApi<Queue>(`/v1/queue?policy=${encodeURIComponent(policy)}&limit=50`);
  const [items, setItems] = useState<QueueItem[]>([]);
  const [at, setAt] = useState(0);
  const [label, setLabel] = useState<boolean | null>(null);
  const [note, setNote] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [told, setTold] = useState<{ text: string; clash: boolean } | null>(null);
  const [reviewed, setReviewed] = useState(0);
  const noteRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    document.title = `Review ${policy} · arbiter`;
  }, [policy]);
  useEffect(() => {
    if (queue.data) {
      setItems(queue.data.items);
      setAt(0);
    }
  }, [queue.data]);

  const item = items[at];
  const waiting = queue.data ? Math.max(queue.data.waiting - reviewed, items.length) : 0;
  const go = (to: number) => {
    if (to < 0 || to >= items.length) return;
    setAt(to);
    setLabel(null);
    setNote("");
    setError(null);
  };

  const save = async () => {
    if (!item || label === null || saving) return;
    setSaving(true);
    setError(null);
    try {
      const body = { decision_id: item.decision_id, violation: label, ...(note.trim() ? { note: note.trim() } : {}) };
      const review = await api<Review>("/v1/reviews", { method: "POST", body });
      setTold({ text: savedMessage(item, review), clash: item.reviews.some((r) => r.violation !== review.violation) });
      setReviewed((n) => n + 1);
      const rest = items.filter((i) => i.decision_id !== item.decision_id);
      setItems(rest);
      setLabel(null);
      setNote("");
      noteRef.current?.blur();
      if (rest.length === 0) {
        setReviewed(0);
        queue.reload(); // the next page, if more wait than were loaded
      } else setAt(Math.min(at, rest.length - 1));
    } catch (e) {
      setError(describe(e));
    } finally {
      setSaving(false);
    }
  };

  const choose = (violation: boolean) => {
    setLabel(violation);
    setError(null);
  };
  const ready = !!item;
  const shortcuts = [
    { key: "j", label: "next", run: () => go(at + 1), also: ["ArrowRight"], when: ready },
    { key: "k", label: "previous", run: () => go(at - 1), also: ["ArrowLeft"], when: ready },
    { key: "v", label: "violates", run: () => choose(true), when: ready },
    { key: "s", label: "safe", run: () => choose(false), when: ready },
    { key: "x", label: "skip", run: () => go(at + 1 < items.length ? at + 1 : 0), when: ready && items.length > 1 },
    { key: "n", label: "note", run: () => noteRef.current?.focus(), when: ready },
    { key: "Enter", label: "save, next", run: save, when: ready && label !== null },
    {
      key: "Escape",
      label: "leave note / queue",
      run: () => (document.activeElement === noteRef.current ? noteRef.current?.blur() : navigate(["queue"])),
    },
  ];
  useShortcuts(shortcuts);

  let body;
  if (queue.error) body = <ErrorBox message={queue.error} retry={queue.reload} />;
  else if (!queue.data || (queue.loading && items.length === 0)) body = <Loading what={`${policy}'s queue`} />;
  else if (!item) {
    body = (
      <Empty title={`Nothing in ${policy}'s queue waits for you.`}>
        <p>
          Decisions appear here when they match the policy's <a href={href(["queue", policy, "rules"])}>queue rules</a>
          {can(me, "admin") ? " (set them if there are none)" : ""} and have not had two reviews. If the rules are set,
          classify some traffic against {policy} (<code>POST /v1/classify</code>) and come back.
        </p>
        <button type="button" onClick={queue.reload}>
          Check again
        </button>
      </Empty>
    );
  } else {
    const model = item.verdict.violation;
    body = (
      <>
        <ReviewItem item={item} />
        <form
          class="review-form"
          aria-label="Your review"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <div class="label-choice" role="group" aria-label="Correct label">
            <button type="button" class={label === true ? "chosen violates" : undefined} aria-pressed={label === true} onClick={() => choose(true)}>
              <kbd>v</kbd> Violates
            </button>
            <button type="button" class={label === false ? "chosen safe" : undefined} aria-pressed={label === false} onClick={() => choose(false)}>
              <kbd>s</kbd> Safe
            </button>
            {label !== null && model !== null && (
              <span class={label === model ? "judged agrees" : "judged disagree"} role="status">
                {label === model ? "Model right" : "Model wrong"}
              </span>
            )}
          </div>
          <label class="note-field">
            <span>
              Note <span class="muted">(optional)</span>
            </span>
            <textarea
              ref={noteRef}
              rows={2}
              maxLength={2000}
              value={note}
              placeholder="Why, in a few words (n to type here, Esc to leave)"
              onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
              onKeyDown={(e) => {
                // Enter in the note saves too; Shift+Enter is a new line.
                if (e.key === "Enter" && !e.shiftKey && label !== null) {
                  e.preventDefault();
                  save();
                }
              }}
            />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={label === null || saving}>
              {saving ? "Saving…" : "Save and next"}
            </button>
            <button type="button" onClick={() => go(at + 1 < items.length ? at + 1 : 0)} disabled={items.length < 2}>
              Skip
            </button>
          </div>
          <FieldError message={error} />
        </form>
      </>
    );
  }

  return (
    <ScreenFrame
      crumbs={
        <>
          <a href={href(["queue"])}>Review queue</a> / {policy}
        </>
      }
      title={
        <>
          Review {policy} {item && <span class="badge">{at + 1} of {items.length}</span>}
        </>
      }
      subtitle={queue.data ? `${waiting} waiting for you` : "Loading"}
      actions={
        <a class="button" href={href(["queue", policy, "rules"])}>
          Rules
        </a>
      }
      shortcuts={shortcuts}
    >
      {told && (
        <p class={told.clash ? "told clash" : "told"} role="status">
          {told.text}
        </p>
      )}
      {body}
    </ScreenFrame>
  );
}
