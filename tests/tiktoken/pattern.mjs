// o200k's pre-tokenizer pattern as OpenAI's tiktoken runs it, for encode.mjs and split.mjs.
//
// \s means what it means in tiktoken's Rust regex engine (Unicode White_Space): in JavaScript \s
// also takes U+FEFF and leaves out U+0085, so js-tiktoken's own pattern would split those two
// unlike tiktoken. Its other classes (\p{L}, \p{Lu}, \p{M}, ...) are those of this Node's
// Unicode (process.versions.unicode).
import o200k_base from "js-tiktoken/ranks/o200k_base";

const whiteSpace = "\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
export const pattern = o200k_base.pat_str
  .replaceAll("[^\\s", `[^${whiteSpace}`)
  .replaceAll("\\S", `[^${whiteSpace}]`)
  .replaceAll("\\s", `[${whiteSpace}]`);
if (pattern === o200k_base.pat_str) throw new Error("the pattern is js-tiktoken's own: did it change?");
