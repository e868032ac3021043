#pragma once
// Stream sessions: a response judged while it grows. A client opens a stream with its policies
// and the context (the prompt, or the conversation so far), appends the response's text as it
// arrives, receives a check event whenever a policy's check falls due, and closes it; every
// stream ends in exactly one StreamEnd. A check at byte offset B judges the same prompt that a
// one-shot score-mode classification of the context with the response cut at B would.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/content.h"
#include "core/policy.h"

namespace arbiter {

using StreamId = uint64_t;

// How one policy decides on a stream (per policy for now; front matter may set them later).
struct StreamPolicy {
    std::shared_ptr<const Policy> policy;
    int check_every_tokens = 16;    // a check once this many response tokens arrived since the last
    double threshold = 0.5;         // a check at or above it counts towards a flag
    int consecutive = 1;            // this many checks in a row at or above the threshold flag
    bool at_sentence_ends = false;  // also a check after an append that ends a sentence (. ! ? or a line)
};

struct StreamSpec {
    std::vector<StreamPolicy> policies;
    // A completion (its response is the text so far, usually empty) or a conversation whose last
    // turn is the one that grows.
    Content context;
};

enum class CheckState {
    pass,     // below the threshold
    above,    // at or above it, not yet for `consecutive` checks
    flagged,  // flagged, at this check or an earlier one (a flag is final)
};
const char* check_state_name(CheckState s);

struct StreamCheck {
    StreamId stream = 0;
    size_t policy = 0;        // index into StreamSpec::policies
    size_t offset_bytes = 0;  // the response's bytes judged (a UTF-8 character boundary)
    int offset_tokens = 0;    // the response's tokens judged
    double probability = 0;
    CheckState state = CheckState::pass;
    bool final = false;  // the check at close (none when the last check already judged it all)
};

struct StreamPolicyResult {
    std::string policy;  // its name
    bool flagged = false;
    std::optional<size_t> flagged_at_bytes;
    double final_probability = 0;
    double max_probability = 0;
    int checks = 0;
};

struct StreamEnd {
    StreamId stream = 0;
    bool ok = true;
    std::string error;  // why the stream ended without its verdict (ok false)
    std::vector<StreamPolicyResult> policies;
    size_t response_bytes = 0;
    int response_tokens = 0;
    int prompt_tokens = 0;  // tokens this stream put through llama_decode, probes included
    int cached_tokens = 0;  // policy prefix tokens taken from the prefix cache
};

struct StreamEvents {
    std::function<void(const StreamCheck&)> check;  // on the engine's thread
    std::function<void(StreamEnd)> end;             // exactly once, on the engine's thread
};

// A backend that keeps a growing text's state between checks (the embedded engine), apart from
// the Backend seam for jobs: only what can stream implements it, and a consumer that has none
// knows before it tries. `append` and `close` throw StreamError for an unknown or ended stream,
// or one over its limits; `open` for a spec it can never or cannot now take.
class StreamBackend {
public:
    virtual ~StreamBackend() = default;
    virtual StreamId open_stream(StreamSpec spec, StreamEvents events) = 0;
    virtual void append_stream(StreamId id, std::string_view text) = 0;
    virtual void close_stream(StreamId id) = 0;
};

class StreamError : public std::runtime_error {
public:
    enum class Code {
        unsupported,  // the backend cannot stream
        limit,        // too many open streams, or a stream over its byte or token limit
        never_fits,   // more policies than the backend has stream sequences: no retry can open it
        unknown,      // no such stream
        ended,        // closed, expired (idle too long) or failed: the message says which
        bad_input,    // invalid UTF-8, no policy, a context that cannot grow
    };
    StreamError(Code code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Code code() const { return code_; }

private:
    Code code_;
};

}  // namespace arbiter
