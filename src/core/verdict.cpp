#include "core/verdict.h"

#include "core/policy.h"

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

Verdict verdict_for(const Policy& policy) {
    Verdict v;
    v.policy_id = policy.id;
    v.policy_version = policy.version;
    return v;
}

}  // namespace arbiter
