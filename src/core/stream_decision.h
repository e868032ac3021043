#pragma once
// One policy's decisions on one stream, the same on every backend that streams: when its next
// check falls due, and what each check's P(violation) makes of the stream (checks at or above the
// threshold `consecutive` times in a row flag it, and a flag is final).

#include <optional>
#include <string>
#include <string_view>

#include "core/stream.h"

namespace arbiter {

// Throws StreamError unless `spec` can open on a backend with `capacity` stream places (0:
// streams off), each policy taking one (`places` names them in the message).
void check_stream_spec(const StreamSpec& spec, int capacity, const std::string& places);

// Whether `chunk` holds the end of a sentence: . ! ? (ASCII or full-width) or a line break.
bool ends_sentence(std::string_view chunk);

class StreamDecision {
public:
    // `policy` is StreamSpec::policies[index].
    StreamDecision(const StreamPolicy& policy, size_t index);

    // Whether a check falls due once the response is `response_tokens` long, after an append
    // that did or did not end a sentence.
    bool due(int response_tokens, bool sentence_end) const;
    // Whether the last check begun judged the response's first `bytes` (a final check is then
    // not needed).
    bool judged(size_t bytes) const { return last_bytes_ == bytes; }

    // A check of the response's first `bytes` (`tokens`) begins.
    void begin(StreamId stream, size_t bytes, int tokens, bool final);
    // The check begun last ended with `probability`: the event that reports it.
    StreamCheck record(double probability);

    const StreamCheck& pending() const { return check_; }
    const StreamPolicyResult& result() const { return result_; }

private:
    int check_every_tokens_;
    double threshold_;
    int consecutive_;
    bool at_sentence_ends_;
    StreamCheck check_;
    int last_tokens_ = 0;
    std::optional<size_t> last_bytes_;
    int above_ = 0;  // checks in a row at or above the threshold
    StreamPolicyResult result_;
};

}  // namespace arbiter
