#pragma once
// Running one stream session to its end on any StreamBackend, as a generator would feed it, and
// the long varied responses the stream tests use.

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/stream.h"

namespace arbiter::test {

inline std::string long_response(size_t bytes, uint32_t seed) {
    static const char* const kWords[] = {"the",  "cake",   "is",        "a",    "lie,", "don't",
                                         "buy",  "now!!!", "naïve",     "日本", "🙂", "\"x\"",
                                         "3.14", "\n",     "followers", "cheap"};
    std::mt19937 rng(seed);
    std::string out;
    while (out.size() < bytes) out += std::string(kWords[rng() % std::size(kWords)]) + " ";
    return out;
}

struct StreamRun {
    std::vector<StreamCheck> checks;
    StreamEnd end;
};

// Streams `response` in chunks of 1..max_chunk bytes (splitting characters too) and waits for
// the end.
inline StreamRun stream(StreamBackend& engine, StreamSpec spec, const std::string& response, size_t max_chunk,
                        uint32_t seed) {
    auto run = std::make_shared<StreamRun>();
    auto mutex = std::make_shared<std::mutex>();
    auto done = std::make_shared<std::promise<void>>();
    StreamEvents events;
    events.check = [run, mutex](const StreamCheck& c) {
        std::lock_guard lock(*mutex);
        run->checks.push_back(c);
    };
    events.end = [run, mutex, done](StreamEnd e) {
        {
            std::lock_guard lock(*mutex);
            run->end = std::move(e);
        }
        done->set_value();
    };
    const StreamId id = engine.open_stream(std::move(spec), std::move(events));
    std::mt19937 rng(seed);
    for (size_t at = 0; at < response.size();) {
        const size_t n = std::min(response.size() - at, 1 + rng() % max_chunk);
        engine.append_stream(id, std::string_view(response).substr(at, n));
        at += n;
    }
    engine.close_stream(id);
    done->get_future().wait();
    std::lock_guard lock(*mutex);
    return *run;
}

// One-shot score-mode verdicts of `prompt` with the response cut at each check's offset.
inline std::vector<Verdict> one_shot(Backend& engine, const std::shared_ptr<const Policy>& policy,
                                     const std::string& prompt, const std::string& response,
                                     const std::vector<StreamCheck>& checks) {
    std::vector<std::promise<Verdict>> promises(checks.size());
    for (size_t i = 0; i < checks.size(); ++i) {
        Job j;
        j.policy = policy;
        j.mode = Mode::score;
        j.content = Content::completion(prompt, response.substr(0, checks[i].offset_bytes));
        engine.submit(std::move(j), [&promises, i](Verdict v) { promises[i].set_value(std::move(v)); });
    }
    std::vector<Verdict> out;
    for (auto& p : promises) {
        out.push_back(p.get_future().get());
        EXPECT_EQ(out.back().status, VerdictStatus::ok) << out.back().error;
    }
    return out;
}

}  // namespace arbiter::test
