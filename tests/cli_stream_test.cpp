// `arbiter stream` as a user runs it: completions replayed as streams, one JSON line per check
// and one per stream, the final check equal to `arbiter classify --mode score` of the whole text;
// the same on a remote llama-server.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/json_lines.h"
#include "support/llama_server.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::json_lines;
using test::run_command;
using test::write_file;

const std::string kPolicies = ARBITER_SOURCE_DIR "/examples/policies/";

const std::string kTwoCompletions =
    "{\"id\": \"a\", \"prompt\": \"How do I bake bread?\", \"response\": \"Mix flour, water, yeast and "
    "salt; knead it for ten minutes, let it rise for an hour, then bake it at 220 \\u00b0C.\"}\n"
    "{\"id\": \"b\", \"prompt\": \"hi\", \"response\": \"Buy cheap followers now!!! bit.ly/xyz "
    "\\ud83d\\ude42 "
    "don't wait, it's the best deal\"}\n";

TEST(CliStream, ChecksAndVerdictsPerStreamAndTheFinalCheckEqualsClassify) {
    const std::string input = write_file("completions.jsonl", kTwoCompletions);
    const std::string model = test::tiny_model().string();
    const auto r = run_command(built_binary("arbiter") + " stream --model " + model +
                               " --threads 2 --policy " + kPolicies + "spam.md --input " + input +
                               " --chunk-tokens 3 --check-every 8 --threshold 0 --consecutive 2 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::map<std::string, std::vector<nlohmann::json>> checks;
    std::map<std::string, nlohmann::json> verdicts;
    for (const auto& j : json_lines(r.output)) {
        if (j.contains("verdict")) {
            verdicts[j["id"]] = j;
        } else {
            checks[j["id"]].push_back(j);
        }
    }
    ASSERT_EQ(verdicts.size(), 2u) << r.output;
    const auto classify = run_command(built_binary("arbiter") + " classify --model " + model +
                                      " --threads 2 --mode score --policy " + kPolicies + "spam.md --input " +
                                      input + " 2>/dev/null");
    ASSERT_EQ(classify.exit_code, 0) << classify.output;
    std::map<std::string, double> one_shot;
    for (const auto& j : json_lines(classify.output)) one_shot[j["id"]] = j["probability"];

    for (const auto& [id, v] : verdicts) {
        const auto& series = checks[id];
        ASSERT_GE(series.size(), 3u) << id;
        EXPECT_EQ(v["verdict"], "ok");
        EXPECT_EQ(v["flagged"], nlohmann::json::array({"spam"}));
        // Threshold 0, two in a row: the second check flags.
        EXPECT_EQ(series[0]["state"], "above");
        EXPECT_EQ(series[1]["state"], "flagged");
        EXPECT_EQ(v["policies"][0]["flagged_at_bytes"], series[1]["offset_bytes"]);
        EXPECT_EQ(v["policies"][0]["checks"], series.size());
        for (size_t i = 1; i < series.size(); ++i) {
            EXPECT_GT(series[i]["offset_tokens"].get<int>(), series[i - 1]["offset_tokens"].get<int>());
            EXPECT_EQ(series[i]["policy"], "spam");
        }
        EXPECT_EQ(series.back()["final"], true);
        EXPECT_EQ(series.back()["offset_bytes"], v["usage"]["response_bytes"]);
        EXPECT_EQ(series.back()["probability"].get<double>(), one_shot.at(id)) << id;
        EXPECT_GT(v["usage"]["prompt_tokens"].get<int>(), 0);
    }
}

TEST(CliStream, TheRemoteBackendWithoutATokenizerSaysWhatItNeeds) {
    const std::string input = write_file("one-completion.jsonl", kTwoCompletions);
    const auto r = run_command(built_binary("arbiter") +
                               " stream --backend remote --endpoint http://127.0.0.1:9 "
                               "--policy " +
                               kPolicies + "spam.md --input " + input + " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("need --tokenizer"), std::string::npos) << r.output;
}

// The same replay on a llama-server through the remote backend: a line per check and one verdict
// per stream, its usage counting what the server computed and what its prompt cache held.
TEST(CliStream, RunsOnARemoteLlamaServer) {
    ARBITER_NEED_LLAMA_SERVER();
    test::LlamaServer llama(test::tiny_model(), {"-c", "8192", "-np", "2", "-fa", "off"});
    const std::string input = write_file("two-completions.jsonl", kTwoCompletions);
    const auto r =
        run_command(built_binary("arbiter") + " stream --backend remote --endpoint " + llama.url() +
                    " --remote-engine llama-server --tokenizer " + test::tiny_model().string() +
                    " --check-every 8 --policy " + kPolicies + "spam.md --input " + input);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::map<std::string, int> checks;
    int ends = 0;
    for (const nlohmann::json& line : json_lines(r.output)) {
        if (line.contains("probability")) {
            ++checks[line["id"]];
            continue;
        }
        ++ends;
        EXPECT_EQ(line["verdict"], "ok") << line.dump();
        EXPECT_EQ(line["policies"][0]["checks"], checks[line["id"]]) << line.dump();
        EXPECT_GT(line["usage"]["cached_tokens"].get<int>(), 0) << line.dump();
    }
    EXPECT_EQ(ends, 2);
    EXPECT_GE(checks["a"], 2);
}

}  // namespace
}  // namespace arbiter
