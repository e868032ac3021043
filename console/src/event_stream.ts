// POST with a JSON body and read the answer's Server-Sent Events as they arrive (EventSource can
// only GET). Refusals before the stream starts are ordinary JSON errors, thrown as ApiError.
import { ApiError, api } from "./api";

export interface StreamEvent {
  name: string;
  data: unknown;
}

// Splits SSE text into events; returns them and the unfinished rest.
export function parseEvents(text: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = text.split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let name = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) name = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length) events.push({ name, data: JSON.parse(data.join("\n")) });
  }
  return { events, rest };
}

export async function postEvents(
  path: string,
  body: unknown,
  onEvent: (e: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await api<Response>(path, { method: "POST", body, signal, raw: true });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const { events, rest } = parseEvents(pending + value);
    pending = rest;
    events.forEach(onEvent);
  }
  if (pending.trim()) throw new ApiError(0, "The stream ended in the middle of an event.");
}
