#include "http/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/sha256.h"

namespace arbiter::service {

std::string_view to_string(Role role) {
    switch (role) {
    case Role::classify:
        return "classify";
    case Role::review:
        return "review";
    case Role::admin:
        return "admin";
    }
    return "classify";
}

std::optional<Role> parse_role(std::string_view name) {
    if (name == "classify") return Role::classify;
    if (name == "review") return Role::review;
    if (name == "admin") return Role::admin;
    return std::nullopt;
}

namespace {

// Why `entry` (read from `where`) is not a key; "" when it is one. `role` as written.
std::string fault_of(const ApiKeyEntry& entry, const std::string& role) {
    if (!parse_role(role)) return "role must be classify, review or admin, not '" + role + "'";
    const bool hex =
        entry.sha256.size() == 64 && entry.sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex) return "the key's sha256 must be 64 lower-case hex digits (arbiter apikey writes it)";
    return "";
}

// One "name=value" limit of a key's line into `limit`; why it is none ("" when it is one).
std::string read_limit(const std::string& field, RateLimit& limit) {
    const size_t equals = field.find('=');
    const std::string name = field.substr(0, equals);
    double value = -1;
    try {
        size_t used = 0;
        if (equals != std::string::npos) value = std::stod(field.substr(equals + 1), &used);
        if (equals == std::string::npos || used != field.size() - equals - 1) value = -1;
    } catch (const std::exception&) {
        value = -1;
    }
    std::string says =
        "a limit is name=number (requests_per_second, burst, jobs_per_second, per_day), not '" + field + "'";
    if (!(value >= 0 && value <= 1e9)) return says;
    if (name == "requests_per_second") {
        limit.requests_per_second = value;
    } else if (name == "burst") {
        limit.burst = value;
    } else if (name == "jobs_per_second") {
        limit.jobs_per_second = value;
    } else if (name == "per_day" && value == std::floor(value)) {
        limit.per_day = static_cast<int64_t>(value);
    } else {
        return says;
    }
    return "";
}

}  // namespace

std::optional<RateLimit> parse_key_limits(const std::string& words) {
    std::istringstream fields(words);
    std::optional<RateLimit> limit;
    std::string word;
    while (fields >> word) {
        if (!limit) limit = kUnsetLimit;
        if (const std::string fault = read_limit(word, *limit); !fault.empty()) throw ApiKeyError(fault);
    }
    return limit;
}

ApiKeys ApiKeys::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw ApiKeyError(path.string() + ": cannot be read");
    ApiKeys keys;
    std::set<std::string> names;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string where = path.string() + ":" + std::to_string(number) + ": ";
        const size_t hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        ApiKeyEntry entry;
        std::string role;
        std::string extra;
        if (!(fields >> entry.name)) continue;  // blank or comment
        if (!(fields >> role >> entry.sha256))
            throw ApiKeyError(
                where +
                "expected name, role (classify, review or admin), sha256 of the key, then any limits");
        if (const std::string fault = fault_of(entry, role); !fault.empty()) throw ApiKeyError(where + fault);
        std::string limits;
        std::getline(fields, limits);
        try {
            entry.rate_limit = parse_key_limits(limits);
        } catch (const ApiKeyError& e) {
            throw ApiKeyError(where + e.what());
        }
        entry.role = *parse_role(role);
        if (!names.insert(entry.name).second)
            throw ApiKeyError(where + "name '" + entry.name + "' given twice");
        keys.entries_.push_back(std::move(entry));
    }
    if (keys.entries_.empty()) throw ApiKeyError(path.string() + ": holds no keys");
    return keys;
}

ApiKeys ApiKeys::of(std::vector<ApiKeyEntry> entries, const std::string& where) {
    ApiKeys keys;
    std::set<std::string> names;
    for (ApiKeyEntry& entry : entries) {
        const std::string role(to_string(entry.role));
        if (const std::string fault = fault_of(entry, role); !fault.empty())
            throw ApiKeyError(where + ": key '" + entry.name + "': " + fault);
        if (!names.insert(entry.name).second)
            throw ApiKeyError(where + ": name '" + entry.name + "' given twice");
        keys.entries_.push_back(std::move(entry));
    }
    return keys;
}

KeyRing::KeyRing(ApiKeys keys) : keys_(std::make_shared<const ApiKeys>(std::move(keys))) {}

std::optional<ApiKeyEntry> KeyRing::find(std::string_view key) const {
    std::shared_ptr<const ApiKeys> keys;
    {
        const std::lock_guard lock(mutex_);
        keys = keys_;
    }
    return keys->find(key);
}

void KeyRing::replace(ApiKeys keys) {
    auto fresh = std::make_shared<const ApiKeys>(std::move(keys));
    const std::lock_guard lock(mutex_);
    keys_ = std::move(fresh);
}

std::optional<ApiKeyEntry> ApiKeys::find(std::string_view key) const {
    const std::string presented = sha256_hex(key);
    std::optional<ApiKeyEntry> found;
    // Every entry is compared, whatever matched, so the time taken says nothing.
    for (const ApiKeyEntry& entry : entries_) {
        if (CRYPTO_memcmp(presented.data(), entry.sha256.data(), presented.size()) == 0) found = entry;
    }
    return found;
}

std::string make_api_key() {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("no random bytes for a key");
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // Base64url without padding: 256 bits in 43 characters.
    std::string key = "arb_";
    uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char b : bytes) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            key.push_back(kAlphabet[(buffer >> bits) & 63]);
        }
    }
    if (bits > 0) key.push_back(kAlphabet[(buffer << (6 - bits)) & 63]);
    return key;
}

std::string api_key_line(const std::string& name, Role role, std::string_view key) {
    return name + " " + std::string(to_string(role)) + " " + sha256_hex(key);
}

}  // namespace arbiter::service
