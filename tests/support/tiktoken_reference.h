#pragma once
// The reference the o200k tokenizer tests compare arbiter's ids with: js-tiktoken's o200k_base
// encoder with the harmony specials spliced in (tests/tiktoken/encode.mjs, run with node), and
// a fixture holding a tiny model with o200k_harmony, loaded once per test suite.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "harmony/prompt.h"
#include "llama/model.h"

namespace arbiter::test {

using Ids = std::vector<int>;

// Whether js-tiktoken is installed (scripts/node-deps tests/tiktoken; scripts/test does it).
bool tiktoken_installed();

// The ids of each line: a JSON array of segments (text; a special's id; null, where the text
// before and after is encoded apart), as encode.mjs reads them.
std::vector<Ids> tiktoken_encode(const std::vector<nlohmann::json>& lines);

// The segments of a rendered prompt: its text, and its specials as their o200k_harmony ids.
nlohmann::json tiktoken_segments(const harmony::Prompt& prompt);

// process.versions.unicode of the node that runs encode.mjs: the Unicode of its \p{..} classes.
std::string tiktoken_unicode_version();

// The Unicode of llama.cpp's patched table (cmake/llama-patches/gen-unicode-flags.mjs): node's
// must be the same, or the code points assigned in between are classed otherwise.
inline constexpr const char* kLlamaUnicode = "17.0";

// Where two encodings first differ, with a few ids around it.
std::string first_difference(const Ids& got, const Ids& want);

class O200kTokenizerTest : public testing::Test {
protected:
    static void SetUpTestSuite();
    static void TearDownTestSuite();
    void SetUp() override;

    static Ids arbiter_ids(const harmony::Prompt& prompt);
    // Ordinary text, as content is tokenized (harmony's cuts included).
    static Ids arbiter_text_ids(std::string_view text);

    static engine::Model* model_;
};

}  // namespace arbiter::test
