// Regenerates llama.cpp's table of Unicode general categories (unicode_ranges_flags in
// src/unicode-data.cpp) from the Unicode data of the Node.js that runs it, for the patch
// 0001-unicode-exact-gpt-4o-pre-tokenizer.patch.
//
// Why Node: llama.cpp's own generator (scripts/gen-unicode-data.py) downloads UnicodeData.txt,
// which cannot be fetched here, and its table is Unicode 15's. Node's ICU knows every general
// category (\p{gc=..} in a /u regex), in the Unicode version js-tiktoken's pattern runs on in
// tests/tiktoken/encode.mjs, so one Node gives both the table and the reference it is tested
// against. The output has gen-unicode-data.py's format and flags, plus the letter subcategories
// the patch adds (Lu, Ll, Lt, Lm; Lo is a letter with none of them).
//
// Usage: node gen-unicode-flags.mjs path/to/llama.cpp/src/unicode-data.cpp (rewritten in place)
import { readFileSync, writeFileSync } from "node:fs";

const UNICODE_VERSION = "17.0"; // that of Node 20.20's ICU 78
if (process.versions.unicode !== UNICODE_VERSION) {
  throw new Error(`Node's Unicode is ${process.versions.unicode}, the patch's table is ${UNICODE_VERSION}`);
}

// The flags of src/unicode.h, as gen-unicode-data.py assigns them to general categories.
const UNDEFINED = 0x0001, NUMBER = 0x0002, LETTER = 0x0004, SEPARATOR = 0x0008, MARK = 0x0010,
  PUNCTUATION = 0x0020, SYMBOL = 0x0040, CONTROL = 0x0080;
const LETTER_UPPER = 0x1000, LETTER_LOWER = 0x2000, LETTER_TITLE = 0x4000, LETTER_MODIFIER = 0x8000;
const categories = {
  Cn: UNDEFINED, Cc: CONTROL, Cf: CONTROL, Co: CONTROL, Cs: CONTROL,
  Lu: LETTER | LETTER_UPPER, Ll: LETTER | LETTER_LOWER, Lt: LETTER | LETTER_TITLE,
  Lm: LETTER | LETTER_MODIFIER, Lo: LETTER,
  Mn: MARK, Mc: MARK, Me: MARK, Nd: NUMBER, Nl: NUMBER, No: NUMBER,
  Pc: PUNCTUATION, Pd: PUNCTUATION, Pe: PUNCTUATION, Pf: PUNCTUATION, Pi: PUNCTUATION,
  Po: PUNCTUATION, Ps: PUNCTUATION, Sc: SYMBOL, Sk: SYMBOL, Sm: SYMBOL, So: SYMBOL,
  Zl: SEPARATOR, Zp: SEPARATOR, Zs: SEPARATOR,
};
const tests = Object.entries(categories).map(([gc, flags]) => [new RegExp(`^\\p{gc=${gc}}$`, "u"), flags]);

function flagsOf(cpt) {
  if (cpt >= 0xd800 && cpt <= 0xdfff) return categories.Cs; // a lone surrogate is no JS string
  const s = String.fromCodePoint(cpt);
  const found = tests.filter(([re]) => re.test(s));
  if (found.length !== 1) throw new Error(`U+${cpt.toString(16)} has ${found.length} general categories`);
  return found[0][1];
}

const MAX_CODEPOINTS = 0x110000;
const lines = [];
let previous = -1;
for (let cpt = 0; cpt < MAX_CODEPOINTS; ++cpt) {
  const flags = flagsOf(cpt);
  if (flags !== previous) lines.push(`{0x${hex(cpt, 6)}, 0x${hex(flags, 4)}},`);
  previous = flags;
}
lines.push(`{0x${hex(MAX_CODEPOINTS, 6)}, 0x0000},`);

function hex(n, width) {
  return n.toString(16).toUpperCase().padStart(width, "0");
}

const [file] = process.argv.slice(2);
const source = readFileSync(file, "utf8");
const open = source.indexOf("\n", source.indexOf(" unicode_ranges_flags = {")) + 1;
const close = source.indexOf("};\n", open);
if (open === 0 || close < 0) throw new Error(`no unicode_ranges_flags table in ${file}`);
writeFileSync(file, source.slice(0, open) + lines.join("\n") + "\n" + source.slice(close));
console.error(`gen-unicode-flags: ${lines.length} ranges (Unicode ${UNICODE_VERSION}) in ${file}`);
