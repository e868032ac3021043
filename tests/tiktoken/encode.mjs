// The reference for tests/o200k_tokenizer_test.cpp: js-tiktoken's o200k_base encoder, with the
// harmony special tokens spliced in as their ids, as OpenAI's harmony library renders a prompt.
//
// Usage: node encode.mjs IN OUT. Each line of IN is a JSON array of segments: a string is text, a
// number a special token's id, null a place where the text before and after is encoded apart.
// Each line of OUT is a JSON array of two encodings of that line:
//   - tiktoken's: o200k's pre-tokenizer pattern with \s meaning what it means in the Rust regex
//     engine of OpenAI's tiktoken (Unicode White_Space). In JavaScript \s also takes U+FEFF and
//     leaves out U+0085, so js-tiktoken's own pattern would split those two unlike tiktoken;
//   - llama.cpp's: the pattern llama.cpp runs for the "gpt-4o" pre-tokenizer (src/llama-vocab.cpp,
//     LLAMA_VOCAB_PRE_TYPE_GPT4O): its letter classes are "a letter but not a-z" and "a letter but
//     not A-Z", so it keeps combining marks (\p{M}) out of words and tells no case apart outside
//     ASCII. The test expects arbiter to give tiktoken's ids wherever the two patterns agree.
import { readFileSync, writeFileSync } from "node:fs";
import { Tiktoken } from "js-tiktoken/lite";
import o200k_base from "js-tiktoken/ranks/o200k_base";

const whiteSpace = "\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const rustSpaces = (pattern) =>
  pattern
    .replaceAll("[^\\s", `[^${whiteSpace}`)
    .replaceAll("\\S", `[^${whiteSpace}]`)
    .replaceAll("\\s", `[${whiteSpace}]`);
const tiktokenPattern = rustSpaces(o200k_base.pat_str);
const llamaPattern = tiktokenPattern
  .replaceAll("[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", "(?:(?=\\p{L})[^a-z])")
  .replaceAll("[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", "(?:(?=\\p{L})[^A-Z])");
for (const [name, pattern] of [["tiktoken", tiktokenPattern], ["llama.cpp", llamaPattern]]) {
  if (pattern === o200k_base.pat_str) throw new Error(`the ${name} pattern is js-tiktoken's own: did it change?`);
}
const encoders = [tiktokenPattern, llamaPattern].map((pat_str) => new Tiktoken({ ...o200k_base, pat_str }));

function encode(encoder, segments) {
  const ids = [];
  let text = "";
  const flush = () => {
    // No special allowed or disallowed: text that spells one is ordinary text.
    if (text !== "") ids.push(...encoder.encode(text, [], []));
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
  const segments = JSON.parse(line);
  lines.push(JSON.stringify(encoders.map((encoder) => encode(encoder, segments))));
}
writeFileSync(output, lines.join("\n") + "\n");
