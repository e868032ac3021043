#include "testmodel/o200k_ranks.h"

#include <openssl/evp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace arbiter::testmodel {

namespace {

std::string decode_base64(std::string_view text, const std::filesystem::path& path) {
    std::string out(text.size() / 4 * 3, '\0');
    const int n =
        EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0 || text.size() % 4 != 0) {
        throw std::runtime_error(path.string() + ": bad base64 token '" + std::string(text) + "'");
    }
    // EVP_DecodeBlock counts the bytes that '=' padding stands for as zeros.
    size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
    out.resize(static_cast<size_t>(n) - padding);
    return out;
}

}  // namespace

std::filesystem::path default_o200k_ranks_path() {
    return ARBITER_O200K_RANKS;
}

std::vector<std::string> read_o200k_ranks(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read o200k's ranks from " + path.string() +
                                 " (scripts/fetch-tiktoken fetches them)");
    }
    std::ostringstream whole;
    whole << in.rdbuf();
    const std::string text = whole.str();
    std::string_view module = text;

    // `export default {...};`: the object is JSON.
    constexpr std::string_view kExport = "export default ";
    if (!module.starts_with(kExport))
        throw std::runtime_error(path.string() + ": not js-tiktoken's o200k_base module");
    module.remove_prefix(kExport.size());
    while (!module.empty() && (module.back() == ';' || module.back() == '\n')) module.remove_suffix(1);
    const nlohmann::json object = nlohmann::json::parse(module, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object() || !object.contains("bpe_ranks") || !object["bpe_ranks"].is_string())
        throw std::runtime_error(path.string() + ": no bpe_ranks string");

    // js-tiktoken's packing: lines of "! FIRST_RANK TOKEN TOKEN ...", each token base64.
    std::vector<std::string> ranks(kO200kRanks);
    std::vector<bool> seen(kO200kRanks, false);
    std::istringstream lines(object["bpe_ranks"].get<std::string>());
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string bang;
        size_t rank = 0;
        if (!(fields >> bang >> rank)) continue;
        for (std::string token; fields >> token; ++rank) {
            if (rank >= kO200kRanks || seen[rank])
                throw std::runtime_error(path.string() + ": rank " + std::to_string(rank) + " out of place");
            ranks[rank] = decode_base64(token, path);
            seen[rank] = true;
        }
    }
    for (size_t rank = 0; rank < kO200kRanks; ++rank) {
        if (!seen[rank])
            throw std::runtime_error(path.string() + ": rank " + std::to_string(rank) + " missing");
    }
    return ranks;
}

}  // namespace arbiter::testmodel
