// gpt-oss's real tokenizer through arbiter, token for token against OpenAI's: the generated model
// carries o200k_harmony (its ranks, the merges derived from them, the specials at their ids), and
// what arbiter feeds the model (harmony::classification_prompt through PromptTokens, which cuts
// content into pieces) is compared with js-tiktoken's encoding of the same prompt
// (tests/tiktoken/encode.mjs), on the example policies with the shared datasets' texts and
// texts made to break tokenizers. Every id must be equal: llama.cpp's gpt-4o pre-tokenizer is
// patched to be o200k's pattern exactly (cmake/llama-patches), and o200k_codepoints_test.cpp
// checks its classes on every code point.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/policy_file.h"
#include "core/utf8.h"
#include "eval/dataset.h"
#include "harmony/classification.h"
#include "harmony/special_tokens.h"
#include "harmony/text_cuts.h"
#include "support/tiktoken_reference.h"
#include "support/tokenizer_corpus.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::Ids;
using O200kTokenizer = test::O200kTokenizerTest;

const std::filesystem::path kData = ARBITER_SOURCE_DIR "/../shared/data";

std::vector<std::shared_ptr<const Policy>> every_policy() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(ARBITER_SOURCE_DIR "/examples/policies")) {
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    files.emplace_back(ARBITER_SOURCE_DIR "/bench/policy.md");
    std::vector<std::shared_ptr<const Policy>> out;
    for (const auto& f : files) out.push_back(std::make_shared<const Policy>(load_policy_file(f)));
    return out;
}

std::string with_crlf(const std::string& text) {
    std::string out;
    for (const char c : text) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return out;
}

// The shared datasets' contents: each text as a message, every other one with CRLF line ends
// again; each HarmBench prompt and response as a completion, and some pairs as a conversation.
std::vector<Content> dataset_contents() {
    eval::DatasetSpec spec;
    spec.label_constant = "unsafe";  // the labels do not matter here
    std::vector<Content> out;
    std::vector<std::string> texts;
    for (const char* file : {"openai-moderation/samples-1680.jsonl.gz", "xstest/xstest_prompts.csv",
                             "simplesafetytests/sst_test_cases.csv", "aegis-test/aegis_safety_test.jsonl",
                             "harmbench-response/harmbench_response.jsonl.gz"}) {
        for (eval::LabeledItem& item : eval::read_dataset(kData / file, spec).items) {
            if (item.content.kind == ContentKind::completion) {
                texts.push_back(item.content.prompt);
                texts.push_back(item.content.response);
                out.push_back(std::move(item.content));
            } else {
                texts.push_back(item.content.text);
            }
        }
    }
    for (size_t i = 0; i < texts.size(); ++i) {
        out.push_back(Content::message(texts[i]));
        if (i % 2 == 0 && texts[i].find('\n') != std::string::npos) {
            out.push_back(Content::message(with_crlf(texts[i])));
        }
        if (i % 8 == 1)
            out.push_back(Content::conversation({{"user", texts[i - 1]}, {"assistant", texts[i]}}));
    }
    return out;
}

std::vector<Content> made_contents(const std::vector<std::shared_ptr<const Policy>>& policies) {
    std::vector<std::string> texts;
    for (const auto& p : policies) texts.push_back(p->text);
    for (auto* make : {&test::script_samples, &test::edge_case_texts, &test::piece_boundary_texts}) {
        const std::vector<std::string> more = make();
        texts.insert(texts.end(), more.begin(), more.end());
    }
    const std::vector<std::string> mixed = test::mixed_texts(4000, 19);
    texts.insert(texts.end(), mixed.begin(), mixed.end());
    std::vector<Content> out;
    for (const std::string& t : texts) out.push_back(Content::message(t));
    for (size_t i = 0; i + 1 < mixed.size(); i += 10)
        out.push_back(Content::completion(mixed[i], mixed[i + 1]));
    return out;
}

TEST_F(O200kTokenizer, SpecialTokensHaveTheirRealIds) {
    for (const harmony::SpecialToken& s : harmony::kSpecialTokens) {
        EXPECT_EQ(model_->tokens().special(s.text), s.o200k_id) << s.text;
    }
}

TEST_F(O200kTokenizer, PromptsOfEveryPolicyMatchTiktokenTokenForToken) {
    const std::vector<std::shared_ptr<const Policy>> policies = every_policy();
    std::vector<Content> contents = dataset_contents();
    ASSERT_GT(contents.size(), 4000u) << "the shared datasets are missing from " << kData;
    const size_t from_datasets = contents.size();
    const std::vector<Content> made = made_contents(policies);
    contents.insert(contents.end(), made.begin(), made.end());

    // Each policy's prefix once per mode, and each content once, with the policies and modes in
    // turn. PromptTokens tokenizes the text between two specials on its own, and both the prefix
    // and the item end or begin at a special, so a whole prompt's ids are the prefix's then the
    // item's (checked below on the first prompts).
    std::vector<harmony::Prompt> prompts;
    std::vector<std::string> names;
    const auto job_for = [&](size_t policy, size_t mode, Content content) {
        Job job;
        job.policy = policies[policy];
        job.mode = mode == 0 ? Mode::reason : Mode::score;
        job.content = std::move(content);
        return job;
    };
    for (size_t p = 0; p < policies.size(); ++p) {
        for (size_t mode = 0; mode < 2; ++mode) {
            prompts.push_back(harmony::classification_prompt(job_for(p, mode, Content::message(""))).prefix);
            names.push_back("prefix of " + policies[p]->id + (mode == 0 ? " (reason)" : " (score)"));
        }
    }
    size_t invalid_utf8 = 0;
    for (size_t i = 0; i < contents.size(); ++i) {
        if (contents[i].kind == ContentKind::message && valid_utf8(contents[i].text) != contents[i].text) {
            ++invalid_utf8;  // tiktoken encodes strings: such bytes have no reference
            continue;
        }
        // Score mode's item has more specials, each between text pieces tokenized apart (about a
        // millisecond each in llama.cpp, which compiles its regex anew every call): one in four.
        const Job job = job_for(i % policies.size(), (i / policies.size()) % 4 == 3 ? 1 : 0, contents[i]);
        const harmony::ClassificationPrompt prompt = harmony::classification_prompt(job);
        if (i < 64) {
            harmony::Prompt whole = prompt.prefix;
            whole.append(prompt.item);
            Ids joined = arbiter_ids(prompt.prefix);
            const Ids item = arbiter_ids(prompt.item);
            joined.insert(joined.end(), item.begin(), item.end());
            ASSERT_EQ(arbiter_ids(whole), joined) << "content #" << i;
        }
        prompts.push_back(prompt.item);
        names.push_back((i < from_datasets ? "dataset content #" : "made content #") + std::to_string(i) +
                        " (" + job.policy->id + ")");
    }
    EXPECT_EQ(invalid_utf8, 0u);

    std::vector<json> lines;
    lines.reserve(prompts.size());
    for (const harmony::Prompt& p : prompts) lines.push_back(test::tiktoken_segments(p));
    const std::vector<Ids> refs = test::tiktoken_encode(lines);

    size_t equal = 0;
    size_t differ = 0;
    size_t ids_compared = 0;
    for (size_t i = 0; i < prompts.size(); ++i) {
        const Ids got = arbiter_ids(prompts[i]);
        ids_compared += got.size();
        if (got == refs[i]) {
            ++equal;
        } else if (++differ <= 20) {
            ADD_FAILURE() << names[i] << ": " << test::first_difference(got, refs[i]) << "\n"
                          << prompts[i].str().substr(0, 400);
        }
    }
    std::printf(
        "o200k: %zu prompts (%zu ids, %zu of them dataset contents): %zu equal to tiktoken's ids, %zu "
        "differ\n",
        prompts.size(), ids_compared, from_datasets, equal, differ);
    EXPECT_EQ(differ, 0u);
    EXPECT_GE(equal, 10000u);
}

// Texts that upstream llama.cpp's gpt-4o pre-tokenizer gave other ids than tiktoken's (checked
// with an unpatched build): its pattern kept marks out of words and read "a letter but not a-z"
// as upper case, "a letter but not A-Z" as lower case; its table was Unicode 15.1's. Pinned, one
// or more of each kind; the prompts above held 407 such texts.
TEST_F(O200kTokenizer, TextsUpstreamLlamaCppEncodedOtherwiseMatch) {
    const std::vector<std::string> texts = {
        // marks in words
        "नमस्ते दुनिया",   "اَلسَّلَامُ عَلَيْكُمْ",   "สวัสดี",      "হ্যালো বিশ্ব", "வணக்கம் உலகம்", "ಕನ್ನಡ", "ខ្មែរ", "မြန်မာ",
        "Cafe\u0301's",                                 // a decomposed accent, then a contraction
        "ÇA VA BIEN",   "ÇA'LL",                        // capitals outside ASCII
        "\u1C8A's",     "\u1C89\u1C8A's", "x\u1ACF's",  // a letter and a mark of Unicode 16
    };
    std::vector<json> lines;
    for (const std::string& t : texts) lines.push_back(json::array({t}));
    const std::vector<Ids> refs = test::tiktoken_encode(lines);
    for (size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(arbiter_text_ids(texts[i]), refs[i]) << texts[i];
    }
}

// Runs longer than one piece without a space are cut (harmony/text_cuts.h): each piece is then
// encoded as tiktoken encodes it alone. The runs stay a few thousand bytes, for js-tiktoken.
TEST_F(O200kTokenizer, RunsLongerThanAPieceAreEncodedPieceByPiece) {
    std::vector<std::string> runs;
    std::string word;
    for (size_t i = 0; i < 3000; ++i) word += static_cast<char>('a' + (i * 7 + i / 3) % 26);
    runs.push_back(word);
    runs.push_back(std::string(3000, '9'));
    runs.push_back(std::string(2500, '!'));
    std::string han;
    for (int i = 0; i < 1000; ++i) han += "中文";
    runs.push_back("start " + han + " end");
    std::vector<json> lines;
    for (const std::string& run : runs) {
        json line = json::array();
        for (const std::string_view piece : harmony::cut_text(run, {})) {
            line.push_back(std::string(piece));
            line.push_back(nullptr);
        }
        ASSERT_GT(line.size(), 2u) << "not cut: " << run.substr(0, 20);
        lines.push_back(line);
    }
    const std::vector<Ids> refs = test::tiktoken_encode(lines);
    for (size_t i = 0; i < runs.size(); ++i) {
        EXPECT_EQ(arbiter_text_ids(runs[i]), refs[i]) << runs[i].substr(0, 20);
    }
}

}  // namespace
}  // namespace arbiter
