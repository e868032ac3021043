#pragma once
// Checks a policy against OpenAI's advice for gpt-oss-safeguard policies: the five sections,
// an output instruction that matches the declared format, no hedge words, 400-600 tokens, and
// category codes declared in `labels`. Findings are warnings: the policy still runs.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"

namespace arbiter {

struct LintWarning {
    int line = 0;  // 1-based line in the policy text; 0 for the policy as a whole
    std::string message;
};

// Counts tokens with the model's tokenizer; absent, the count is estimated from characters.
using TokenCounter = std::function<int(std::string_view)>;

struct LintOptions {
    int min_tokens = 400;
    int max_tokens = 600;
    // Said after an estimated count: how to get an exact one where the caller offers a way.
    std::string estimate_note = "estimated; pass --model to count exactly";
};

std::vector<LintWarning> lint_policy(const Policy& policy, const TokenCounter& count_tokens = {},
                                     const LintOptions& options = {});

// About four characters a token for English with o200k; used when no model is given.
int estimate_tokens(std::string_view text);

}  // namespace arbiter
