#pragma once
// Where to cut content text before a tokenizer sees it, so that it stays data. Tokenizers that
// parse special tokens in text (llama.cpp matches some even with special parsing off, and
// llama-server's prompt strings are parsed with it on) can only match a special token's text
// inside one piece; cutting inside every occurrence of such a text makes forging one impossible.
// Long runs are cut too: llama.cpp's std::regex pre-tokenizers recurse once per character of a
// run, and 40,000 letters without a space overflow an 8 MiB stack. (The patched source's gpt-4o
// splitter runs no regex, but an installed or other llama.cpp may.)

#include <string>
#include <string_view>
#include <vector>

namespace arbiter::harmony {

// The longest piece cut_text returns, in bytes.
inline constexpr size_t kMaxTextPiece = 2048;

// Splits `text` into pieces (in order, concatenating to `text`) such that no piece contains any of
// `matched` whole: each occurrence is cut after its first two bytes (after "<|", where a BPE
// pre-tokenizer splits such text anyway), or after its first byte when it is two bytes long. No
// piece exceeds kMaxTextPiece bytes: long pieces end where o200k's pre-tokenizer starts a new
// piece anyway (before a space that follows a non-space, after a line break, where a word or
// number meets punctuation), so that the cut changes no token, or else, in a run of more than
// kMaxTextPiece bytes with no such place, at a UTF-8 character boundary.
std::vector<std::string_view> cut_text(std::string_view text, const std::vector<std::string>& matched);

// The last offset in (from, text.size()) where o200k's pre-tokenizer starts a piece whatever
// text follows, else `from`. Text before it tokenizes the same however `text` continues: a
// stream commits its tokens up to there (harmony/stream_text.h).
size_t last_piece_start(std::string_view text, size_t from);

}  // namespace arbiter::harmony
