// The reference for tests/o200k_*_test.cpp: js-tiktoken's o200k_base encoder, with the harmony
// special tokens spliced in as their ids, as OpenAI's harmony library renders a prompt; its
// pre-tokenizer pattern is pattern.mjs's.
//
// Usage: node encode.mjs IN OUT. Each line of IN is a JSON array of segments: a string is text, a
// number a special token's id, null a place where the text before and after is encoded apart.
// Each line of OUT is the JSON array of that line's ids.
import { readFileSync, writeFileSync } from "node:fs";
import { Tiktoken } from "js-tiktoken/lite";
import o200k_base from "js-tiktoken/ranks/o200k_base";
import { pattern } from "./pattern.mjs";

const encoder = new Tiktoken({ ...o200k_base, pat_str: pattern });

function encode(segments) {
  const ids = [];
  let text = "";
  const flush = () => {
    // No special allowed or disallowed: text that spells one is ordinary text.
    if (text !== "") for (const id of encoder.encode(text, [], [])) ids.push(id);
    text = "";
  };
  for (const segment of segments) {
    if (typeof segment === "string") {
      text += segment;
    } else {
      flush();
      if (segment !== null) ids.push(segment);
    }
  }
  flush();
  return ids;
}

const [input, output] = process.argv.slice(2);
const lines = [];
for (const line of readFileSync(input, "utf8").split("\n")) {
  if (line === "") continue;
  lines.push(JSON.stringify(encode(JSON.parse(line))));
}
writeFileSync(output, lines.join("\n") + "\n");
