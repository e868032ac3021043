// The linear fast tier against the scikit-learn pipeline it copies (tests/sklearn_linear.py): the
// same features of the same text, the same vocabulary, the same probabilities.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "cascade/linear_model.h"
#include "cascade/normalize.h"
#include "cascade/text_features.h"
#include "support/cascade_data.h"
#include "support/scratch.h"

namespace arbiter::cascade {
namespace {

nlohmann::json scikit_learn(const nlohmann::json& c, const std::string& name) {
    const std::string path = test::write_file(name, c.dump());
    const auto r = test::run_command("/usr/bin/python3 " ARBITER_SOURCE_DIR "/tests/sklearn_linear.py " +
                                     path + " 2>&1");
    if (r.exit_code != 0) {
        ADD_FAILURE() << "python3-sklearn is needed (scripts/deps installs it):\n" << r.output;
        return nlohmann::json::object();
    }
    return nlohmann::json::parse(r.output);
}

// Texts where the tokenisers could part: punctuation attached to words, apostrophes, '_',
// one-letter words, digits, other scripts (multi-byte code points in the character n-grams),
// symbols that are not word characters, a word shorter than the shortest n-gram.
const std::vector<std::string> kTexts = {
    "Hello, world! Don't panic: it's 42.",
    "snake_case and CamelCase; x y z a",
    "жизнь и смерть — 日本語のテキスト 🙂!!",
    "a",
    "  spaced   out\ttext\nagain ab",
    "the cat and the hat and the bat, the end the",  // repeated words (their n-grams are taken once)
    "Fußball café ＵＲＧＥＮＴ",
};

// Features only: no training texts, no model.
nlohmann::json feature_case(int minn, int maxn) {
    nlohmann::json c = {{"texts", nlohmann::json::array()},
                        {"train", nlohmann::json::array()},
                        {"test", nlohmann::json::array()},
                        {"c", 1},
                        {"min_df", 1},
                        {"minn", minn},
                        {"maxn", maxn}};
    for (const std::string& t : kTexts) c["texts"].push_back(normalize(t));
    return c;
}

void expect_same_features(int minn, int maxn) {
    const nlohmann::json ref = scikit_learn(feature_case(minn, maxn), "features.json");
    ASSERT_TRUE(ref.contains("words"));
    const FeatureSpec spec{2, minn, maxn};
    KeyTally tally;  // one for every text, as scoring reuses it
    for (size_t i = 0; i < kTexts.size(); ++i) {
        std::map<uint64_t, uint32_t> expected, actual;
        for (const auto& f : ref["words"][i]) ++expected[feature_key(Block::words, f.get<std::string>())];
        for (const auto& f : ref["chars"][i]) ++expected[feature_key(Block::chars, f.get<std::string>())];
        count_features(normalize(kTexts[i]), spec, tally);
        for (size_t k = 0; k < tally.size(); ++k) actual[tally[k].key] += tally[k].count;
        EXPECT_EQ(actual.size(), tally.size()) << "a key counted in two places";
        EXPECT_EQ(actual, expected) << "text " << i << ": " << kTexts[i] << " (n-grams " << minn << "-"
                                    << maxn << "; scikit-learn's features: " << ref["words"][i].dump() << " "
                                    << ref["chars"][i].dump() << ")";
    }
}

TEST(LinearFeatures, EqualScikitLearnsAnalyzers) {
    expect_same_features(2, 5);  // the default
    expect_same_features(1, 3);
    expect_same_features(4, 6);  // " a " is shorter than 4: counted once, whole
}

TEST(LinearFeatures, TheSameTextInTwoBlocksIsTwoFeatures) {
    EXPECT_EQ(block_of(feature_key(Block::words, "ab")), Block::words);
    EXPECT_EQ(block_of(feature_key(Block::chars, "ab")), Block::chars);
    EXPECT_NE(feature_key(Block::words, "ab"), feature_key(Block::chars, "ab"));
}

TEST(KeyTally, CountsPastItsFirstSizeAndForgetsTheTextBefore) {
    KeyTally tally;
    std::vector<std::pair<uint64_t, uint32_t>> keys;  // 1,500 keys, 1,000 distinct: past its first 64 slots
    for (uint64_t k = 0; k < 1000; ++k) keys.emplace_back(k * 0x9e3779b97f4a7c15ULL, 1);
    for (uint64_t k = 0; k < 1000; k += 2) keys.emplace_back(k * 0x9e3779b97f4a7c15ULL, 3);
    tally.count(keys);
    ASSERT_EQ(tally.size(), 1000u);
    for (size_t i = 0; i < tally.size(); ++i) {
        EXPECT_EQ(tally[i].key, i * 0x9e3779b97f4a7c15ULL);  // in the order first seen
        EXPECT_EQ(tally[i].count, i % 2 == 0 ? 4u : 1u);
    }
    tally.count({{2 * 0x9e3779b97f4a7c15ULL, 1}});
    ASSERT_EQ(tally.size(), 1u);
    EXPECT_EQ(tally[0].count, 1u);  // not 4 + 1: the text before is gone
    tally.count({});
    EXPECT_EQ(tally.size(), 0u);
}

void expect_same_model(double c, int min_df, int minn, int maxn) {
    const std::vector<Example> train = test::scam_examples(150, 5), held_out = test::scam_examples(40, 6);
    nlohmann::json k = {{"texts", nlohmann::json::array()},
                        {"train", nlohmann::json::array()},
                        {"test", nlohmann::json::array()},
                        {"c", c},
                        {"min_df", min_df},
                        {"minn", minn},
                        {"maxn", maxn}};
    for (const Example& e : train) k["train"].push_back({{"text", normalize(e.text)}, {"gold", e.violation}});
    for (const Example& e : held_out) k["test"].push_back(normalize(e.text));
    const nlohmann::json ref = scikit_learn(k, "model.json");
    ASSERT_TRUE(ref.contains("probabilities"));
    LinearOptions o;
    o.c = c;
    o.min_df = min_df;
    o.features.minn = minn;
    o.features.maxn = maxn;
    const LinearModel m = LinearModel::train(train, o);
    EXPECT_EQ(m.features(), ref["vocabulary"].get<size_t>());
    for (size_t i = 0; i < held_out.size(); ++i) {
        // liblinear stops at a relative gradient of 1e-4 here, scikit-learn at the optimum.
        EXPECT_NEAR(m.probability(held_out[i].text), ref["probabilities"][i].get<double>(), 2e-3)
            << held_out[i].text;
    }
}

TEST(LinearModel, EqualsScikitLearnsPipeline) {
    expect_same_model(1, 1, 2, 5);
    expect_same_model(3, 2, 1, 5);  // min_df counts texts, not occurrences
}

}  // namespace
}  // namespace arbiter::cascade
