// llama.cpp's gpt-4o pre-tokenizer (patched: cmake/llama-patches) against o200k's pattern as
// js-tiktoken runs it (tests/tiktoken/split.mjs), split for split, on every code point in the
// contexts of support/code_point_texts.h. Splits, not ids: where no merge crosses a split (most
// rare characters), a wrong split would give the same ids and the id tests could not see it.
//
// unicode_regex_split is llama.cpp's internal splitter (src/unicode.h), so this test builds only
// against llama.cpp's source, not an installed package (tests/CMakeLists.txt).

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/code_point_texts.h"
#include "support/scratch.h"
#include "support/tiktoken_reference.h"
#include "unicode.h"

namespace arbiter {
namespace {

using Splits = std::vector<std::vector<size_t>>;

// The pattern llama.cpp's vocabulary sets for the "gpt-4o" pre-tokenizer (src/llama-vocab.cpp),
// o200k's from tokenizer.json: unicode_regex_split dispatches exactly this text to the patch's
// splitter (any other would go to std::regex, and split otherwise).
const std::string kGpt4oPattern =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'"
    "ve|'m|'"
    "ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|"
    "'t|'re|'"
    "ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// split.mjs's splits of each line of texts.
std::vector<Splits> tiktoken_splits(const std::vector<nlohmann::json>& lines) {
    const std::filesystem::path in = test::scratch_dir() / "split-in.jsonl";
    const std::filesystem::path out = test::scratch_dir() / "split-out.jsonl";
    {
        std::ofstream file(in, std::ios::binary);
        for (const nlohmann::json& line : lines) file << line.dump() << '\n';
    }
    const test::CommandResult r = test::run_command("node " ARBITER_SOURCE_DIR "/tests/tiktoken/split.mjs " +
                                                    in.string() + " " + out.string());
    if (r.exit_code != 0) throw std::runtime_error("split.mjs failed: " + r.output);
    std::vector<Splits> splits;
    std::ifstream file(out, std::ios::binary);
    for (std::string line; std::getline(file, line);)
        splits.push_back(nlohmann::json::parse(line).get<Splits>());
    if (splits.size() != lines.size())
        throw std::runtime_error("split.mjs answered a different number of lines");
    return splits;
}

std::vector<size_t> llama_split(const std::string& text) {
    std::vector<size_t> lengths;
    for (const std::string& piece : unicode_regex_split(text, {kGpt4oPattern}, /*byte_encode=*/false))
        lengths.push_back(piece.size());
    return lengths;
}

std::string show(const std::vector<size_t>& lengths) {
    std::string s;
    for (size_t n : lengths) s += std::to_string(n) + " ";
    return s;
}

TEST(O200kPreTokenizer, SplitsEveryCodePointInContextAsTiktoken) {
    ASSERT_TRUE(test::tiktoken_installed())
        << "js-tiktoken is not installed: run scripts/node-deps tests/tiktoken (scripts/test does)";
    ASSERT_EQ(test::tiktoken_unicode_version(), test::kLlamaUnicode)
        << "node's Unicode is not that of llama.cpp's patched table; regenerate the table with this "
           "node (cmake/llama-patches/README.md) or run the test with the machine's Node 20.20";
    // Splits cost little: every context in every plane.
    const std::vector<test::CodePointText> texts = test::code_point_texts(test::kCodePointContexts);
    constexpr size_t kBatch = 4096;
    std::vector<nlohmann::json> lines;
    for (size_t from = 0; from < texts.size(); from += kBatch) {
        nlohmann::json line = nlohmann::json::array();
        for (size_t i = from; i < std::min(texts.size(), from + kBatch); ++i) line.push_back(texts[i].text);
        lines.push_back(std::move(line));
    }
    const std::vector<Splits> want = tiktoken_splits(lines);

    size_t differ = 0;
    size_t pieces = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
        const std::vector<size_t> got = llama_split(texts[i].text);
        pieces += got.size();
        const std::vector<size_t>& expected = want[i / kBatch].at(i % kBatch);
        if (got != expected && ++differ <= 20) {
            ADD_FAILURE() << "U+" << std::hex << static_cast<uint32_t>(texts[i].code_point) << std::dec
                          << " in " << texts[i].context << ": llama.cpp " << show(got) << "| tiktoken "
                          << show(expected);
        }
    }
    std::printf("o200k pre-tokenizer: %zu texts (every code point in %zu contexts), %zu pieces: %zu differ\n",
                texts.size(), test::kCodePointContexts, pieces, differ);
    EXPECT_EQ(differ, 0u);
    EXPECT_EQ(texts.size(), (0x110000u - 0x800u) * test::kCodePointContexts);
}

}  // namespace
}  // namespace arbiter
