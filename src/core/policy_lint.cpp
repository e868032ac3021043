#include "core/policy_lint.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace arbiter {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        lines.push_back(text.substr(pos, eol - pos));
        pos = eol + 1;
    }
    return lines;
}

bool is_heading(std::string_view line) {
    return line.starts_with("#") || (line.starts_with("**") && line.find("**", 2) != std::string_view::npos);
}

struct Section {
    const char* name;
    std::vector<const char*> keywords;  // any of them in a heading counts
};

// The sections OpenAI's guide asks for, with the words headings commonly use for them.
const std::vector<Section>& sections() {
    static const std::vector<Section> s = {
        {"instructions", {"instruction", "task", "goal"}},
        {"definitions", {"definition", "key term", "terms"}},
        {"what violates (1)", {"violat", "criteria", "prohibited", "not allowed", "disallowed", "(1)"}},
        {"what is safe (0)", {"safe", "allowed", "acceptable", "does not", "non-violating", "(0)"}},
        {"examples", {"example"}},
    };
    return s;
}

// Hedges make rules ambiguous; the guide asks for definite language.
const std::vector<std::string>& hedge_words() {
    static const std::vector<std::string> h = {"generally",     "usually",  "typically", "often",
                                               "sometimes",     "probably", "possibly",  "perhaps",
                                               "in most cases", "arguably", "somewhat",  "might"};
    return h;
}

// The format the text's output instruction asks for, if it gives one.
std::optional<OutputFormat> instructed_format(const std::string& text) {
    const std::string t = lower(text);
    if (t.find("\"violation\"") != std::string::npos) {
        return t.find("\"rationale\"") != std::string::npos ? OutputFormat::json_rationale
                                                            : OutputFormat::json;
    }
    static const std::regex binary(
        R"((answer|output|return|respond|reply)[^\n]{0,80}\b0\b[^\n]{0,40}\b1\b|\b1\b[^\n]{0,40}\b0\b)");
    if (std::regex_search(t, binary)) return OutputFormat::binary;
    return std::nullopt;
}

bool word_at(const std::string& text, size_t at, size_t len) {
    const auto alpha = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
    return (at == 0 || !alpha(text[at - 1])) && (at + len >= text.size() || !alpha(text[at + len]));
}

}  // namespace

int estimate_tokens(std::string_view text) {
    return static_cast<int>((text.size() + 3) / 4);
}

std::vector<LintWarning> lint_policy(const Policy& policy, const TokenCounter& count_tokens,
                                     const LintOptions& options) {
    std::vector<LintWarning> out;
    const std::vector<std::string_view> lines = split_lines(policy.text);

    // Sections.
    std::vector<std::string> headings;
    for (std::string_view line : lines) {
        if (is_heading(line)) headings.push_back(lower(line));
    }
    for (const Section& section : sections()) {
        const bool found = std::any_of(headings.begin(), headings.end(), [&](const std::string& h) {
            return std::any_of(section.keywords.begin(), section.keywords.end(),
                               [&](const char* k) { return h.find(k) != std::string::npos; });
        });
        if (!found)
            out.push_back({0, std::string("no section for ") + section.name + " (the guide asks for " +
                                  "instructions, definitions, what violates, what is safe, examples)"});
    }

    // Output instruction.
    const auto format = instructed_format(policy.text);
    if (!format) {
        out.push_back({0,
                       "no output instruction found: say what to answer (e.g. \"Answer 0 or 1\"), near the "
                       "top and again at the end"});
    } else if (*format != policy.output) {
        out.push_back({0, "the text asks for " + std::string(to_string(*format)) +
                              " answers but output: is " + std::string(to_string(policy.output))});
    }

    // Hedges, per line.
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string l = lower(lines[i]);
        for (const std::string& hedge : hedge_words()) {
            for (size_t at = l.find(hedge); at != std::string::npos; at = l.find(hedge, at + 1)) {
                if (!word_at(l, at, hedge.size())) continue;
                out.push_back(
                    {static_cast<int>(i + 1), "hedge word '" + hedge + "': state the rule definitely"});
            }
        }
    }

    // Length.
    const bool counted = static_cast<bool>(count_tokens);
    const int tokens = counted ? count_tokens(policy.text) : estimate_tokens(policy.text);
    if (tokens < options.min_tokens || tokens > options.max_tokens) {
        out.push_back({0, std::string(counted ? "" : "about ") + std::to_string(tokens) +
                              " tokens; policies work best between " + std::to_string(options.min_tokens) +
                              " and " + std::to_string(options.max_tokens) +
                              (counted ? "" : " (" + options.estimate_note + ")")});
    }

    // Category codes: used in the text vs declared in labels.
    static const std::regex code(R"(\b([A-Z]{1,4}[0-9]{1,2})(\.[a-z0-9]+)?\b)");
    const std::set<std::string> declared(policy.labels.begin(), policy.labels.end());
    std::set<std::string> used;
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string line(lines[i]);
        for (std::sregex_iterator m(line.begin(), line.end(), code), end; m != end; ++m) {
            const std::string base = (*m)[1].str();
            const bool first_use = used.insert(base).second;
            if (first_use && !declared.contains(base) && !declared.contains((*m)[0].str())) {
                out.push_back({static_cast<int>(i + 1),
                               "category '" + (*m)[0].str() + "' is used but not declared in labels:"});
            }
        }
    }
    for (const std::string& label : policy.labels) {
        if (!used.contains(label))
            out.push_back({0, "label '" + label + "' is declared but never used in the text"});
    }
    return out;
}

}  // namespace arbiter
