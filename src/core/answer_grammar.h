#pragma once
// GBNF grammars for the final answer of each output format, so that a reasoned verdict always
// parses. Strings are bounded so that every answer ends within a known number of characters, even
// from a model that would ramble. The grammar ends at the answer's last character: the
// end-of-generation token is never part of it (llama.cpp's grammar sampler would abort).

#include <string>

#include "core/policy.h"

namespace arbiter {

// Longest free-text field the grammar allows, in characters.
inline constexpr int kMaxRationaleChars = 400;
inline constexpr int kMaxCategoryChars = 32;
inline constexpr int kMaxRuleIds = 8;

// The grammar for `policy`'s output format. A policy that declares labels restricts
// policy_category to them (or null).
std::string answer_grammar(const Policy& policy);

// Most tokens an answer in `format` may take: the grammar bounds every answer in characters, and
// a token is at least one byte of a character of at most four bytes.
int answer_token_cap(OutputFormat format);

// The text a score-mode prompt forces before the violation digit ("" for binary policies).
std::string score_prefix(OutputFormat format);

}  // namespace arbiter
