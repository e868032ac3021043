#include "cascade/rule_set.h"

#include <hs/hs.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "cascade/normalize.h"
#include "core/policy_file.h"

namespace arbiter::cascade {

namespace {

// Look-alike digits and symbols of each letter, as character classes.
std::string letter_class(char c) {
    switch (c) {
    case 'a':
        return "[a4@]";
    case 'b':
        return "[b8]";
    case 'e':
        return "[e3]";
    case 'g':
        return "[g9]";
    case 'i':
        return "[i1!|l]";
    case 'l':
        return "[l1|i]";
    case 'o':
        return "[o0]";
    case 's':
        return "[s5$]";
    case 't':
        return "[t7+]";
    case 'z':
        return "[z2]";
    default:
        return std::string(1, c);
    }
}

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::string hex_escape(unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    return buf;
}

// Rule index, action rank: violate beats escalate beats safe.
int rank(RuleAction action) {
    switch (action) {
    case RuleAction::violate:
        return 3;
    case RuleAction::escalate:
        return 2;
    case RuleAction::safe:
        return 1;
    }
    return 0;
}

// Character classes for joining spelled-out words: 1 a character one may spell with (letters,
// digits, leetspeak symbols), 2 a separator between them. A table: this runs on every byte.
constexpr std::array<uint8_t, 256> kSpelling = [] {
    std::array<uint8_t, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = 1;
    for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = 1;
    for (const char c : {'@', '$', '!', '|', '+'}) t[static_cast<unsigned char>(c)] = 1;
    for (const char c : {' ', '.', '_', '*', '~', '-'}) t[static_cast<unsigned char>(c)] = 2;
    return t;
}();

uint8_t spelling(std::string_view text, size_t i) {
    return kSpelling[static_cast<unsigned char>(text[i])];
}

// A character standing alone between separators (or the ends of the text).
bool single(std::string_view text, size_t i) {
    return spelling(text, i) == 1 && (i == 0 || spelling(text, i - 1) == 2) &&
           (i + 1 == text.size() || spelling(text, i + 1) == 2);
}

// Which of 64 bytes are spelling characters and which are separators, as bit masks (bit j for
// byte j). SSE2 (every x86-64) classifies 16 bytes per step; elsewhere the table does, a byte at
// a time.
struct Classes {
    uint64_t characters = 0;
    uint64_t separators = 0;
};

#if defined(__SSE2__)
Classes classify64(const unsigned char* bytes) {
    Classes out;
    for (size_t part = 0; part < 4; ++part) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + 16 * part));
        const auto is = [&](char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
        // x in [low, low + count): x - low, unsigned, is below count
        const auto in_range = [&](char low, int count) {
            const __m128i offset = _mm_sub_epi8(x, _mm_set1_epi8(low));
            return _mm_cmpeq_epi8(_mm_min_epu8(offset, _mm_set1_epi8(static_cast<char>(count - 1))), offset);
        };
        const __m128i separators =
            _mm_or_si128(_mm_or_si128(_mm_or_si128(is(' '), is('.')), _mm_or_si128(is('_'), is('*'))),
                         _mm_or_si128(is('~'), is('-')));
        const __m128i characters = _mm_or_si128(
            _mm_or_si128(_mm_or_si128(in_range('a', 26), in_range('0', 10)), _mm_or_si128(is('@'), is('$'))),
            _mm_or_si128(_mm_or_si128(is('!'), is('|')), is('+')));
        const size_t shift = 16 * part;
        out.characters |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(characters)))
                          << shift;
        out.separators |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(separators)))
                          << shift;
    }
    return out;
}
#else
Classes classify64(const unsigned char* bytes) {
    Classes out;
    for (int j = 0; j < 64; ++j) {
        const uint8_t c = kSpelling[bytes[j]];
        out.characters |= static_cast<uint64_t>(c == 1) << j;
        out.separators |= static_cast<uint64_t>(c == 2) << j;
    }
    return out;
}
#endif

// Whether any run of three single characters exists: most texts have none and are scanned as
// they are. This runs on every item, so on bit masks, 64 bytes at a time: a run ends at byte e
// when e is a separator, e-1 a character, e-2 a separator, ... e-6 a separator, the ends of the
// text counting as separators.
bool has_spelled_out(std::string_view text) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    Classes previous;
    previous.separators = uint64_t{1} << 63;  // the byte before the text
    for (size_t start = 0; start <= n; start += 64) {
        Classes current;
        if (start + 64 <= n) {
            current = classify64(bytes + start);
        } else {  // the last, partial block: zero bytes classify as neither
            std::array<unsigned char, 64> tail{};
            std::copy(bytes + start, bytes + n, tail.begin());
            current = classify64(tail.data());
            current.separators |= uint64_t{1} << (n - start);  // the byte after the text
        }
        // Bit j: the class of byte start + j - d, reaching into the previous block.
        const auto back = [&](uint64_t Classes::*mask, int d) {
            return (current.*mask << d) | (previous.*mask >> (64 - d));
        };
        const uint64_t runs = current.separators & back(&Classes::characters, 1) &
                              back(&Classes::separators, 2) & back(&Classes::characters, 3) &
                              back(&Classes::separators, 4) & back(&Classes::characters, 5) &
                              back(&Classes::separators, 6);
        if (runs != 0) return true;
        previous = current;
    }
    return false;
}

int on_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* context) {
    static_cast<std::vector<size_t>*>(context)->push_back(id);
    return 0;
}

}  // namespace

std::string join_spelled_out(std::string_view text) {
    if (!has_spelled_out(text)) return std::string(text);
    std::string out;
    out.reserve(text.size());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        if (!single(text, i)) {
            out.push_back(text[i++]);
            continue;
        }
        size_t end = i;  // the last single character of the run
        size_t count = 1;
        while (end + 2 < n && spelling(text, end + 1) == 2 && single(text, end + 2)) {
            end += 2;
            ++count;
        }
        if (count < 3) {
            out.push_back(text[i++]);
            continue;
        }
        for (size_t k = i; k <= end; k += 2) out.push_back(text[k]);
        i = end + 1;
    }
    return out;
}

std::string literal_expression(std::string_view literal) {
    const std::string text = join_spelled_out(normalize(literal));
    // What may separate the words of a phrase: one to three characters that are not letters or
    // digits. Spelled out byte by byte (ASCII, or a lead byte and its continuation bytes):
    // literals compile in Hyperscan's byte mode, which scans about twice as fast as its UTF-8
    // mode on these expressions.
    const std::string between = "(?:[^a-z0-9\\x80-\\xff]|[\\xc0-\\xff][\\x80-\\xbf]{1,3}){1,3}";
    std::string out;
    if (!text.empty() && is_word_char(text.front())) out += "(?:^|[^a-z0-9@$!|+])";
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ') {
            out += between;
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        if (c >= 'a' && c <= 'z')
            out += letter_class(c);
        else
            out += hex_escape(u);  // also each UTF-8 byte of a non-ASCII letter, matched as a byte
    }
    if (!text.empty() && is_word_char(text.back())) out += "(?:$|[^a-z0-9])";
    return out;
}

RuleSet::RuleSet(const std::vector<std::shared_ptr<const Policy>>& policies) {
    std::vector<std::string> expressions;
    std::vector<unsigned int> flags;
    for (const auto& policy : policies) {
        for (const Rule& rule : policy->rules) {
            rules_.push_back({policy->id, policy->version, rule});
            if (rule.regex) {
                expressions.push_back(rule.pattern);
                flags.push_back(HS_FLAG_CASELESS | HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH);
            } else {
                expressions.push_back(literal_expression(rule.pattern));
                flags.push_back(HS_FLAG_SINGLEMATCH);  // byte mode: see literal_expression
            }
        }
    }
    if (rules_.empty()) return;

    std::vector<const char*> pointers;
    std::vector<unsigned int> ids;
    for (size_t i = 0; i < expressions.size(); ++i) {
        pointers.push_back(expressions[i].c_str());
        ids.push_back(static_cast<unsigned int>(i));
    }
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(pointers.data(), flags.data(), ids.data(),
                         static_cast<unsigned int>(pointers.size()), HS_MODE_BLOCK, nullptr, &database_,
                         &error) != HS_SUCCESS) {
        std::string message =
            error != nullptr && error->message != nullptr ? error->message : "unknown error";
        const int index = error != nullptr ? error->expression : -1;
        hs_free_compile_error(error);
        if (index >= 0 && static_cast<size_t>(index) < rules_.size()) {
            const Entry& e = rules_[static_cast<size_t>(index)];
            const Policy* owner = nullptr;
            for (const auto& p : policies) {
                if (p->id == e.policy_id) owner = p.get();
            }
            const std::string source =
                owner != nullptr && !owner->source.empty() ? owner->source : e.policy_id;
            throw PolicyError(source + ":" + std::to_string(e.rule.line) + ": rule '" + e.rule.id +
                              "': " + (e.rule.regex ? "regex" : "literal") + " '" + e.rule.pattern +
                              "' is not accepted by Hyperscan: " + message);
        }
        throw PolicyError("the policies' rules cannot be compiled: " + message);
    }
    if (hs_alloc_scratch(database_, &prototype_) != HS_SUCCESS) {
        hs_free_database(database_);
        database_ = nullptr;
        throw std::runtime_error("Hyperscan: cannot allocate scratch space");
    }
}

RuleSet::~RuleSet() {
    for (hs_scratch* s : pool_) hs_free_scratch(s);
    if (prototype_ != nullptr) hs_free_scratch(prototype_);
    if (database_ != nullptr) hs_free_database(database_);
}

hs_scratch* RuleSet::acquire_scratch() const {
    {
        std::lock_guard lock(mutex_);
        if (!pool_.empty()) {
            hs_scratch* s = pool_.back();
            pool_.pop_back();
            return s;
        }
    }
    hs_scratch* s = nullptr;
    if (hs_clone_scratch(prototype_, &s) != HS_SUCCESS)
        throw std::runtime_error("Hyperscan: cannot clone scratch");
    return s;
}

void RuleSet::release_scratch(hs_scratch* scratch) const {
    std::lock_guard lock(mutex_);
    pool_.push_back(scratch);
}

std::vector<size_t> RuleSet::matches(std::string_view normalized) const {
    std::vector<size_t> out;
    if (database_ == nullptr) return out;
    std::string joined;
    std::string_view text = normalized;
    if (has_spelled_out(normalized)) text = joined = join_spelled_out(normalized);
    hs_scratch* scratch = acquire_scratch();
    const hs_error_t rc =
        hs_scan(database_, text.data(), static_cast<unsigned int>(text.size()), 0, scratch, on_match, &out);
    release_scratch(scratch);
    if (rc != HS_SUCCESS) throw std::runtime_error("Hyperscan: scan failed (" + std::to_string(rc) + ")");
    std::sort(out.begin(), out.end());
    return out;
}

RuleDecision RuleSet::decide(const Policy& policy, std::string_view normalized) const {
    RuleDecision decision;
    int best = 0;
    for (const size_t index : matches(normalized)) {
        const Entry& e = rules_[index];
        if (e.policy_id != policy.id || e.policy_version != policy.version) continue;
        const int r = rank(e.rule.action);
        if (r > best) {
            best = r;
            decision.action = e.rule.action;
            decision.rule_ids.clear();
        }
        if (r == best) decision.rule_ids.push_back(e.rule.id);
    }
    return decision;
}

}  // namespace arbiter::cascade
