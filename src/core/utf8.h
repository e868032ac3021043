#pragma once
// Model output is bytes; JSON needs UTF-8. Invalid sequences become U+FFFD, as OpenAI's
// harmony parser does with undecodable tokens.

#include <optional>
#include <string>
#include <string_view>

namespace arbiter {

std::string valid_utf8(std::string_view bytes);

// The length of the longest prefix of `bytes` that does not end inside a character that later bytes
// could still complete: valid_utf8 of that prefix, then of the rest with what follows, equals
// valid_utf8 of the whole. For text that arrives in pieces (reasoning as the model writes it).
size_t complete_utf8_prefix(std::string_view bytes);

// The offset of the first byte that is not part of valid UTF-8, or nullopt when all of it is.
std::optional<size_t> first_invalid_utf8(std::string_view bytes);

// Whether a code point is a letter or a number of any script (Unicode categories L* and N*): what
// regexes call \p{L}\p{N}, and with '_' what Python's \w matches.
bool is_letter_or_number(char32_t c);

// Whether every byte is printable ASCII (space to tilde): a value no reader splits into two lines.
bool is_printable_ascii(std::string_view text);

}  // namespace arbiter
