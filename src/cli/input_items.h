#pragma once
// Items to classify from a JSONL stream: one JSON object per line, {"id", "text"} or
// {"id", "prompt", "response"} or {"id", "messages"}. A line that is not a valid item becomes an
// item carrying its error, so that one bad line costs one error line, not the whole run.

#include <istream>
#include <optional>
#include <string>

#include "core/content.h"

namespace arbiter::cli {

struct InputItem {
    std::string id;                  // the line's "id", else its line number
    std::optional<Content> content;  // absent when the line is unusable
    std::string error;
};

class InputReader {
public:
    // `kind`, when set, is the kind every item must be.
    InputReader(std::istream& in, std::optional<ContentKind> kind);
    // The next item, or nullopt at the end. Blank lines are skipped.
    std::optional<InputItem> next();

private:
    std::istream& in_;
    std::optional<ContentKind> kind_;
    long line_ = 0;
};

// Longest input line accepted, in bytes.
inline constexpr size_t kMaxLineBytes = size_t{4} * 1024 * 1024;

}  // namespace arbiter::cli
