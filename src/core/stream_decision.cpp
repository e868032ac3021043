#include "core/stream_decision.h"

#include <algorithm>

namespace arbiter {

void check_stream_spec(const StreamSpec& spec, int capacity, const std::string& places) {
    if (capacity == 0) throw StreamError(StreamError::Code::unsupported, "streams are off (--streams 0)");
    if (spec.policies.empty()) throw StreamError(StreamError::Code::bad_input, "a stream needs a policy");
    for (const StreamPolicy& p : spec.policies) {
        if (!p.policy) throw StreamError(StreamError::Code::bad_input, "a stream needs a policy");
        if (p.check_every_tokens < 1 || p.consecutive < 1)
            throw StreamError(StreamError::Code::bad_input,
                              "check interval and consecutive checks must be >= 1");
    }
    const std::string wanted = std::to_string(spec.policies.size());
    if (spec.policies.size() > static_cast<size_t>(capacity))
        throw StreamError(StreamError::Code::never_fits, "a stream of " + wanted + " policies needs " +
                                                             wanted + " " + places + "; this server has " +
                                                             std::to_string(capacity) + " (--streams)");
}

bool ends_sentence(std::string_view chunk) {
    if (chunk.find_first_of(".!?\n") != std::string_view::npos) return true;
    for (std::string_view mark : {"\u3002", "\uFF01", "\uFF1F"}) {
        if (chunk.find(mark) != std::string_view::npos) return true;
    }
    return false;
}

StreamDecision::StreamDecision(const StreamPolicy& policy, size_t index)
    : check_every_tokens_(policy.check_every_tokens),
      threshold_(policy.threshold),
      consecutive_(policy.consecutive),
      at_sentence_ends_(policy.at_sentence_ends) {
    check_.policy = index;
    if (policy.policy) result_.policy = policy.policy->id;
}

bool StreamDecision::due(int response_tokens, bool sentence_end) const {
    const int fresh = response_tokens - last_tokens_;
    return fresh >= check_every_tokens_ || (at_sentence_ends_ && sentence_end && fresh > 0);
}

void StreamDecision::begin(StreamId stream, size_t bytes, int tokens, bool final) {
    check_ = StreamCheck{.stream = stream,
                         .policy = check_.policy,
                         .offset_bytes = bytes,
                         .offset_tokens = tokens,
                         .final = final};
    last_tokens_ = tokens;
    last_bytes_ = bytes;
}

StreamCheck StreamDecision::record(double probability) {
    above_ = probability >= threshold_ ? above_ + 1 : 0;
    if (!result_.flagged && above_ >= consecutive_) {
        result_.flagged = true;
        result_.flagged_at_bytes = check_.offset_bytes;
    }
    result_.checks++;
    result_.final_probability = probability;
    result_.max_probability = std::max(result_.max_probability, probability);
    check_.probability = probability;
    check_.state = result_.flagged             ? CheckState::flagged
                   : probability >= threshold_ ? CheckState::above
                                               : CheckState::pass;
    return check_;
}

}  // namespace arbiter
