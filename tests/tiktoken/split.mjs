// The reference for tests/o200k_pretokenizer_test.cpp: how o200k's pre-tokenizer pattern
// (pattern.mjs, as js-tiktoken runs it: a /u regex, its matches in order) splits text, before any
// merge.
//
// Usage: node split.mjs IN OUT. Each line of IN is a JSON array of texts; each line of OUT the
// JSON array of their splits, each the array of its pieces' lengths in UTF-8 bytes.
import { readFileSync, writeFileSync } from "node:fs";
import { pattern } from "./pattern.mjs";

const regex = new RegExp(pattern, "gu");
const split = (text) => Array.from(text.matchAll(regex), (m) => Buffer.byteLength(m[0]));

const [input, output] = process.argv.slice(2);
const lines = [];
for (const line of readFileSync(input, "utf8").split("\n")) {
  if (line === "") continue;
  lines.push(JSON.stringify(JSON.parse(line).map(split)));
}
writeFileSync(output, lines.join("\n") + "\n");
