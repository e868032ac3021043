#include "remote/server_tokens.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "harmony/special_tokens.h"

namespace arbiter::remote {

namespace {

std::optional<std::vector<int>> tokenize(const Post& post, const std::string& text, bool parse_special,
                                         std::string& error) {
    const std::optional<nlohmann::json> reply =
        read_reply(post("/tokenize", {{"content", text}, {"parse_special", parse_special}}), error);
    if (!reply) return std::nullopt;
    const auto tokens = reply->find("tokens");
    if (tokens == reply->end() || !tokens->is_array() ||
        !std::all_of(tokens->begin(), tokens->end(), [](const auto& t) { return t.is_number_integer(); })) {
        error = "the server's /tokenize answered without a list of token ids";
        return std::nullopt;
    }
    return tokens->get<std::vector<int>>();
}

}  // namespace

int ServerTokens::special(std::string_view text) const {
    const auto it = specials.find(text);
    if (it == specials.end())
        throw std::invalid_argument("not a harmony special token: " + std::string(text));
    return it->second;
}

std::set<int> ServerTokens::special_ids() const {
    std::set<int> ids;
    for (const auto& [text, id] : specials) ids.insert(id);
    return ids;
}

std::set<int> ServerTokens::banned_in_text() const {
    std::set<int> ids;
    for (const auto& [text, id] : specials) {
        if (text != harmony::kReturn && text != harmony::kCall && text != harmony::kEndOfText) ids.insert(id);
    }
    return ids;
}

std::optional<ServerTokens> discover_server_tokens(const Post& post, std::string& error) {
    ServerTokens t;
    for (const harmony::SpecialToken& special : harmony::kSpecialTokens) {
        const std::string text(special.text);
        const auto as_special = tokenize(post, text, true, error);
        if (!as_special) return std::nullopt;
        if (as_special->size() != 1) {
            error = "the server's model has no single special token for " + text + ": not a gpt-oss model?";
            return std::nullopt;
        }
        t.specials.emplace(text, as_special->front());
    }
    for (const char* digit : {"0", "1"}) {
        const auto ids = tokenize(post, digit, false, error);
        if (!ids) return std::nullopt;
        if (ids->size() != 1) {
            error = std::string("the server's model has no single token for '") + digit + "'";
            return std::nullopt;
        }
        (digit[0] == '0' ? t.zero : t.one) = ids->front();
    }
    return t;
}

ServerTokens tokenizer_tokens(const harmony::Tokenizer& tokenizer) {
    ServerTokens t;
    for (const harmony::SpecialToken& special : harmony::kSpecialTokens)
        t.specials.emplace(std::string(special.text), tokenizer.special(special.text));
    for (const char* digit : {"0", "1"}) {
        const std::vector<int32_t> ids = tokenizer.tokenize_text(digit);
        if (ids.size() != 1)
            throw std::invalid_argument(std::string("the tokenizer has no single token for '") + digit + "'");
        (digit[0] == '0' ? t.zero : t.one) = ids.front();
    }
    return t;
}

}  // namespace arbiter::remote
