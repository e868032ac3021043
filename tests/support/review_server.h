#pragma once
// A server for the review endpoints' tests (queue, reviews, runs, shadow): the service in-process
// on the tiny model's embedded engine, as `arbiter serve` runs it, with the example policies and
// one key of each role, plus short texts to log.

#include <filesystem>
#include <iterator>
#include <memory>
#include <string>

#include "support/in_process_server.h"
#include "support/scratch.h"
#include "support/service_client.h"

namespace arbiter::test {

inline const char* const kReviewTexts[] = {"buy followers now, cheap",  "hello friend, how are you",
                                           "click here for free money", "the weather is nice today",
                                           "win a prize, act fast",     "see you at lunch"};
inline constexpr size_t kReviewTextCount = std::size(kReviewTexts);

struct ReviewServer {
    explicit ReviewServer(const std::string& name) {
        const std::string keys = (scratch_dir() / (name + "-keys.txt")).string();
        std::filesystem::remove(keys);
        app = new_api_key(keys, "app", "classify");
        rita = new_api_key(keys, "rita", "review");
        sam = new_api_key(keys, "sam", "review");
        ops = new_api_key(keys, "ops", "admin");
        server = std::make_unique<InProcessServer>(
            fresh_db(name),
            InProcessOptions{
                .config = {}, .keys_file = keys, .engine = true, .streams = 0, .max_reasoning_tokens = 0});
    }
    const InProcessServer& service() const { return *server; }

    std::string app, rita, sam, ops;  // keys named app (classify), rita and sam (review), ops (admin)
    std::unique_ptr<InProcessServer> server;
};

}  // namespace arbiter::test
