#include "core/verdict.h"

namespace arbiter {

std::string_view to_string(VerdictStatus status) {
    switch (status) {
    case VerdictStatus::ok:
        return "ok";
    case VerdictStatus::unparseable:
        return "unparseable";
    case VerdictStatus::error:
        return "error";
    case VerdictStatus::timeout:
        return "timeout";
    }
    return "error";
}

std::string_view to_string(Tier tier) {
    switch (tier) {
    case Tier::model:
        return "model";
    case Tier::rules:
        return "rules";
    case Tier::fast:
        return "fast";
    }
    return "model";
}

}  // namespace arbiter
