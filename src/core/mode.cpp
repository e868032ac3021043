#include "core/mode.h"

namespace arbiter {

std::string_view to_string(Mode mode) {
    return mode == Mode::score ? "score" : "reason";
}

std::optional<Mode> parse_mode(std::string_view name) {
    if (name == "score") return Mode::score;
    if (name == "reason") return Mode::reason;
    return std::nullopt;
}

}  // namespace arbiter
