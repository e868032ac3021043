// o200k_harmony as the published gpt-oss GGUF conversions hold it: o200k_base's ranks as NORMAL
// tokens (id = rank), the merges derived from the ranks, then every special CONTROL.

#include <stdexcept>

#include "harmony/special_tokens.h"
#include "testmodel/o200k_ranks.h"
#include "testmodel/rank_merges.h"
#include "testmodel/vocabulary.h"

namespace arbiter::testmodel {

Vocabulary o200k_vocabulary(const std::vector<std::string>& ranks) {
    if (ranks.size() != kO200kRanks) {
        throw std::invalid_argument("o200k_base has " + std::to_string(kO200kRanks) + " ranks, not " +
                                    std::to_string(ranks.size()));
    }
    Vocabulary v;
    v.tokens.reserve(harmony::kVocabularySize);
    v.types.reserve(harmony::kVocabularySize);
    for (const std::string& bytes : ranks) {
        v.tokens.push_back(byte_symbols(bytes));
        v.types.push_back(TokenType::normal);
    }
    for (int32_t id = kO200kFirstSpecial; id < harmony::kVocabularySize; ++id) {
        v.tokens.push_back(o200k_special_text(id));
        v.types.push_back(TokenType::control);
    }
    for (const auto& [left, right] : merges_from_ranks(ranks)) {
        v.merges.push_back(byte_symbols(left) + " " + byte_symbols(right));
    }
    return v;
}

}  // namespace arbiter::testmodel
