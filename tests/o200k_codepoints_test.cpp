// Every code point through arbiter's o200k tokenizer against js-tiktoken, ids for ids, in two
// contexts of support/code_point_texts.h: the merges, the vocabulary's pieces and arbiter's cuts
// on every character. A wrong pre-tokenizer class seldom shows here (where no merge crosses a
// split, ids are the same either way: upstream's approximate pattern, run in js-tiktoken, gave
// no differing id in these texts), so o200k_pretokenizer_test.cpp checks the splits themselves.

#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>

#include "support/code_point_texts.h"
#include "support/tiktoken_reference.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::Ids;
using O200kCodePoints = test::O200kTokenizerTest;

// Lines of encode.mjs's input, each `batch` texts encoded apart.
std::vector<json> batched_lines(const std::vector<test::CodePointText>& texts, size_t batch) {
    std::vector<json> lines;
    for (size_t from = 0; from < texts.size(); from += batch) {
        json line = json::array();
        for (size_t i = from; i < std::min(texts.size(), from + batch); ++i) {
            line.push_back(texts[i].text);
            line.push_back(nullptr);
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

TEST_F(O200kCodePoints, EveryCodePointInContextMatchesTiktoken) {
    ASSERT_EQ(test::tiktoken_unicode_version(), test::kLlamaUnicode)
        << "node's Unicode is not that of llama.cpp's patched table; regenerate the table with this "
           "node (cmake/llama-patches/README.md) or run the test with the machine's Node 20.20";
    // Two contexts (a word, a space-led run): o200k_pretokenizer_test.cpp checks the splits in
    // all; here each character meets the merges of letters and of space-led pieces.
    const std::vector<test::CodePointText> texts = test::code_point_texts(2);
    constexpr size_t kBatch = 1024;
    const std::vector<json> lines = batched_lines(texts, kBatch);
    // js-tiktoken takes about as long as llama.cpp here: both at once.
    std::future<std::vector<Ids>> reference = std::async(std::launch::async, test::tiktoken_encode, lines);

    std::vector<Ids> got(lines.size());
    size_t ids = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
        const Ids t = arbiter_text_ids(texts[i].text);
        got[i / kBatch].insert(got[i / kBatch].end(), t.begin(), t.end());
        ids += t.size();
    }
    const std::vector<Ids> want = reference.get();

    // The texts of the batches that differ, one by one, to name them.
    std::vector<size_t> differing;
    std::vector<json> single;
    for (size_t b = 0; b < lines.size(); ++b) {
        if (got[b] == want[b]) continue;
        differing.push_back(b);
        for (size_t i = b * kBatch; i < std::min(texts.size(), (b + 1) * kBatch) && single.size() < 4096; ++i)
            single.push_back(json::array({texts[i].text}));
    }
    size_t named = 0;
    if (!single.empty()) {
        const std::vector<Ids> each = test::tiktoken_encode(single);
        for (size_t i = 0, k = 0; k < each.size() && named < 20; ++i) {
            if (got[i / kBatch] == want[i / kBatch]) continue;
            const Ids mine = arbiter_text_ids(texts[i].text);
            if (mine != each[k]) {
                ++named;
                ADD_FAILURE() << "U+" << std::hex << static_cast<uint32_t>(texts[i].code_point) << std::dec
                              << " in " << texts[i].context << ": " << test::first_difference(mine, each[k]);
            }
            ++k;
        }
    }
    std::printf(
        "o200k code points: %zu texts (every code point in 2 contexts), %zu ids: %zu of %zu batches differ\n",
        texts.size(), ids, differing.size(), lines.size());
    EXPECT_EQ(texts.size(), (0x110000u - 0x800u) * 2);
    EXPECT_TRUE(differing.empty()) << differing.size() << " batches of " << kBatch << " texts differ";
}

}  // namespace
}  // namespace arbiter
