#include "support/tiktoken_reference.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "harmony/special_tokens.h"
#include "support/scratch.h"
#include "support/test_model.h"

namespace arbiter::test {

namespace {

const std::string kReferenceDir = ARBITER_SOURCE_DIR "/tests/tiktoken";

int o200k_id(std::string_view special) {
    for (const harmony::SpecialToken& s : harmony::kSpecialTokens) {
        if (s.text == special) return s.o200k_id;
    }
    throw std::invalid_argument("not a harmony special: " + std::string(special));
}

}  // namespace

bool tiktoken_installed() {
    return std::filesystem::exists(kReferenceDir + "/node_modules/js-tiktoken");
}

std::vector<Ids> tiktoken_encode(const std::vector<nlohmann::json>& lines) {
    const std::filesystem::path in = scratch_dir() / "tiktoken-in.jsonl";
    const std::filesystem::path out = scratch_dir() / "tiktoken-out.jsonl";
    {
        std::ofstream file(in, std::ios::binary);
        for (const nlohmann::json& line : lines) file << line.dump() << '\n';
    }
    const CommandResult r =
        run_command("node " + kReferenceDir + "/encode.mjs " + in.string() + " " + out.string());
    if (r.exit_code != 0) throw std::runtime_error("encode.mjs failed: " + r.output);
    std::vector<Ids> ids;
    std::ifstream file(out, std::ios::binary);
    for (std::string line; std::getline(file, line);) ids.push_back(nlohmann::json::parse(line).get<Ids>());
    if (ids.size() != lines.size())
        throw std::runtime_error("encode.mjs answered a different number of lines");
    return ids;
}

nlohmann::json tiktoken_segments(const harmony::Prompt& prompt) {
    nlohmann::json out = nlohmann::json::array();
    for (const harmony::Piece& piece : prompt.pieces()) {
        if (piece.special) {
            out.push_back(o200k_id(piece.text));
        } else {
            out.push_back(piece.text);
        }
    }
    return out;
}

std::string tiktoken_unicode_version() {
    const CommandResult r = run_command("node -p process.versions.unicode");
    if (r.exit_code != 0) throw std::runtime_error("node failed: " + r.output);
    std::string version = r.output;
    while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
    return version;
}

std::string first_difference(const Ids& got, const Ids& want) {
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
    const auto around = [i](const Ids& ids) {
        std::string s;
        for (size_t k = (i >= 3 ? i - 3 : 0); k < std::min(ids.size(), i + 4); ++k)
            s += std::to_string(ids[k]) + " ";
        return s;
    };
    return "at id #" + std::to_string(i) + " of " + std::to_string(got.size()) + "/" +
           std::to_string(want.size()) + ": arbiter " + around(got) + "| tiktoken " + around(want);
}

engine::Model* O200kTokenizerTest::model_ = nullptr;

void O200kTokenizerTest::SetUpTestSuite() {
    model_ = engine::Model::load(tiny_o200k_model(), {.vocab_only = true}).release();
}

void O200kTokenizerTest::TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
}

void O200kTokenizerTest::SetUp() {
    ASSERT_TRUE(tiktoken_installed())
        << "js-tiktoken is not installed: run scripts/node-deps tests/tiktoken (scripts/test does)";
}

Ids O200kTokenizerTest::arbiter_ids(const harmony::Prompt& prompt) {
    const std::vector<llama_token> ids = model_->tokens().tokenize(prompt);
    return {ids.begin(), ids.end()};
}

Ids O200kTokenizerTest::arbiter_text_ids(std::string_view text) {
    const std::vector<llama_token> ids = model_->tokens().tokenize_text(text);
    return {ids.begin(), ids.end()};
}

}  // namespace arbiter::test
