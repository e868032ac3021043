#include "core/backend.h"

namespace arbiter {

bool past_deadline(const Job& job, std::chrono::steady_clock::time_point now) {
    return now > job.deadline;
}

Verdict failed_verdict(const Job& job, std::string message) {
    Verdict v = verdict_for(*job.policy);
    v.status = VerdictStatus::error;
    v.error = std::move(message);
    return v;
}

Verdict stopped_verdict(const Job& job, Stop why) {
    switch (why) {
    case Stop::deadline: {
        Verdict v = failed_verdict(job, "deadline exceeded");
        v.status = VerdictStatus::timeout;
        return v;
    }
    case Stop::cancelled:
        return failed_verdict(job, "cancelled");
    case Stop::shutdown:
        break;
    }
    return failed_verdict(job, "shut down");
}

}  // namespace arbiter

namespace arbiter {

const char* check_state_name(CheckState s) {
    switch (s) {
    case CheckState::pass:
        return "pass";
    case CheckState::above:
        return "above";
    case CheckState::flagged:
        return "flagged";
    }
    return "pass";
}

}  // namespace arbiter
