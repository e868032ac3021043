// The cascade's rules tier: text normalisation, rules in policy files, and their compilation
// into one Hyperscan database.

#include <gtest/gtest.h>

#include <random>

#include "cascade/normalize.h"
#include "cascade/rule_set.h"
#include "core/policy_file.h"

namespace arbiter::cascade {
namespace {

TEST(Normalize, FoldsCaseWidthMarksAndFormatCharacters) {
    EXPECT_EQ(normalize("  Hello\t\n WORLD  "), "hello world");
    EXPECT_EQ(normalize("ＦＲＥＥ"), "free");                  // fullwidth
    EXPECT_EQ(normalize("𝐟𝐫𝐞𝐞"), "free");                      // mathematical bold
    EXPECT_EQ(normalize("fr\u200Be\u200De"), "free");          // zero-width space and joiner
    EXPECT_EQ(normalize("f\u00ADr\u2060e\uFEFFe"), "free");    // soft hyphen, word joiner, BOM
    EXPECT_EQ(normalize("frée"), "free");                      // accent
    EXPECT_EQ(normalize("fre\u0301e"), "free");                // combining accent
    EXPECT_EQ(normalize("\u0455\u0440\u0430\u043C"), "spam");  // Cyrillic look-alikes
    EXPECT_EQ(normalize("\u03C1\u03B9\u03BA\u03B5"), "pike");  // Greek look-alikes
    EXPECT_EQ(normalize("bad\xff bytes"), "bad\uFFFD bytes");  // invalid UTF-8 survives
}

TEST(Normalize, LeavesOrdinaryTextAlone) {
    EXPECT_EQ(normalize("price: $100 on 2024-05-01!"), "price: $100 on 2024-05-01!");
    EXPECT_EQ(normalize("Größe"), "grosse");  // case folding of ß, as Unicode defines it
    EXPECT_EQ(normalize("日本語のテキスト"), "日本語のテキスト");
}

// What normalisation does to ASCII, written the obvious way: the fast paths (eight bytes at a
// time, see normalize.cpp) must agree with it wherever blocks, spaces and case changes fall.
std::string normalize_ascii_reference(std::string_view text) {
    std::string out;
    bool space = false;
    for (const char c : text) {
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c);
    }
    return out;
}

TEST(Normalize, AsciiAgreesWithTheReferenceWhereverBlocksFall) {
    EXPECT_EQ(normalize("The  Quick\tBROWN fox\n\n jumps OVER   the lazy dog.  "),
              "the quick brown fox jumps over the lazy dog.");
    std::mt19937 rng(11);
    const std::string alphabet = "aZ q.  \t\n\r@A0~-_\x7f";
    for (int i = 0; i < 20000; ++i) {
        std::string text(rng() % 40, ' ');
        for (char& c : text) c = alphabet[rng() % alphabet.size()];
        ASSERT_EQ(normalize(text), normalize_ascii_reference(text)) << '"' << text << '"';
    }
}

TEST(Normalize, AsciiRunsAroundOtherCharacters) {
    EXPECT_EQ(normalize("ABCDEFG \u200B HIJKLMN"),
              "abcdefg hijklmn");  // a space on both sides of a removed character
    EXPECT_EQ(normalize("ABCDEFGH\u00A0\u00A0IJKLMNOP "), "abcdefgh ijklmnop");  // no-break spaces
    EXPECT_EQ(normalize(" \u3000 x"), "x");  // ideographic space at the start
}

std::shared_ptr<const Policy> policy_with(const std::string& front) {
    return std::make_shared<const Policy>(
        parse_policy("---\n" + front + "---\nThe policy.\n", "dir/test.md"));
}

RuleDecision decide(const RuleSet& rules, const Policy& p, std::string_view text) {
    return rules.decide(p, normalize(text));
}

TEST(Rules, LiteralsCatchObfuscatedVariants) {
    const auto p = policy_with(
        "rules:\n  - {id: kill, literal: \"kill you\", action: violate}\n"
        "  - {id: pills, literal: Cheap Pills, action: violate}\n");
    const RuleSet rules({p});
    for (const char* text : {
             "i will kill you", "I will KILL YOU",
             "i will k1ll y0u",                 // leetspeak
             "i will ki11 you",                 //
             "i will k i l l you",              // spacing
             "i will k.i.l.l   you",            //
             "i will k\u200Di\u200Bll you",     // zero-width joiner and space
             "i will \u043A\u0456ll y\u043Eu",  // Cyrillic look-alikes
             "i will ｋｉｌｌ ｙｏｕ",          // fullwidth
             "i will kíll yóu",                 // accents
             "kill you!",                       // at the start, punctuation after
         }) {
        const RuleDecision d = decide(rules, *p, text);
        EXPECT_EQ(d.action, RuleAction::violate) << text;
        EXPECT_EQ(d.rule_ids, std::vector<std::string>{"kill"}) << text;
    }
    EXPECT_EQ(decide(rules, *p, "CH3AP P1LL5 here").rule_ids, std::vector<std::string>{"pills"});
    EXPECT_EQ(decide(rules, *p, "ch€ap pills").action, std::nullopt);  // not a look-alike we fold
}

TEST(Rules, LiteralsDoNotFlagUnrelatedText) {
    const auto p = policy_with(
        "rules:\n  - {id: kill, literal: \"kill you\", action: violate}\n"
        "  - {id: ass, literal: ass, action: violate}\n");
    const RuleSet rules({p});
    for (const char* text : {
             "the skill you need",     // inside a word
             "killer yoga",            //
             "kill your darlings",     // a longer word after
             "a class assignment",     // 'ass' inside words
             "passes the assessment",  //
             "pass 1 ass2",            // digits glued on
             "",
         }) {
        EXPECT_EQ(decide(rules, *p, text).action, std::nullopt) << text;
    }
    EXPECT_EQ(decide(rules, *p, "what an @ss").rule_ids, std::vector<std::string>{"ass"});
}

TEST(Rules, OneDatabaseForEveryPolicyAndActionsByPrecedence) {
    const auto spam = std::make_shared<const Policy>(
        parse_policy("---\nid: spam\nrules:\n  - {id: buy, literal: buy now, action: violate}\n"
                     "  - {id: hello, regex: '^(hi|hello)[.!]?$', action: safe}\n"
                     "  - {id: link, regex: 'https?://', action: escalate}\n---\nSpam.\n",
                     "p/spam.md"));
    const auto hate = std::make_shared<const Policy>(
        parse_policy("---\nid: hate\nrules:\n  - {id: slur, literal: vermin, action: violate}\n"
                     "  - {id: news, literal: buy now, action: safe}\n---\nHate.\n",
                     "p/hate.md"));
    const RuleSet rules({spam, hate});
    EXPECT_EQ(rules.size(), 5u);
    // One scan finds the rules of both policies.
    const std::vector<size_t> all = rules.matches(normalize("BUY NOW, vermin"));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(rules.rule(all[0]).rule.id, "buy");
    EXPECT_EQ(rules.rule(all[1]).policy_id, "hate");

    EXPECT_EQ(decide(rules, *spam, "Hello!").action, RuleAction::safe);
    EXPECT_EQ(decide(rules, *spam, "hello there").action, std::nullopt);
    EXPECT_EQ(decide(rules, *spam, "see HTTPS://x.example").action, RuleAction::escalate);
    // Per policy: the same words violate one policy and are allowed by the other.
    EXPECT_EQ(decide(rules, *spam, "buy now").action, RuleAction::violate);
    EXPECT_EQ(decide(rules, *hate, "buy now").action, RuleAction::safe);
    // Violate beats escalate: only the winning rules are named.
    const RuleDecision both = decide(rules, *spam, "buy now at http://x");
    EXPECT_EQ(both.action, RuleAction::violate);
    EXPECT_EQ(both.rule_ids, std::vector<std::string>{"buy"});
    // Another version of the policy is not this one.
    Policy v2 = *spam;
    v2.version = 2;
    EXPECT_EQ(decide(rules, v2, "buy now").action, std::nullopt);
}

TEST(Rules, ARegexHyperscanRejectsNamesTheFileAndLine) {
    const auto p = std::make_shared<const Policy>(
        parse_policy("---\nid: spam\nrules:\n  - {id: ok, literal: buy, action: violate}\n"
                     "  - {id: bad, regex: '(unclosed', action: violate}\n---\nSpam.\n",
                     "policies/spam.md"));
    try {
        RuleSet rules({p});
        FAIL() << "compiled";
    } catch (const PolicyError& e) {
        const std::string m = e.what();
        EXPECT_TRUE(
            m.starts_with("policies/spam.md:5: rule 'bad': regex '(unclosed' is not accepted by Hyperscan"))
            << m;
    }
    // A regex that matches empty text would fire on everything.
    const auto empty = std::make_shared<const Policy>(
        parse_policy("---\nrules:\n  - {id: e, regex: 'a*', action: safe}\n---\nX.\n", "x.md"));
    EXPECT_THROW(RuleSet({empty}), PolicyError);
}

TEST(Rules, PolicyFileErrorsForBadRules) {
    const auto error_of = [](const std::string& front) {
        try {
            parse_policy("---\n" + front + "---\nText.\n", "p.md");
        } catch (const PolicyError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of("rules: 3\n").substr(0, 25), "p.md:2: rules must be a l");
    EXPECT_EQ(error_of("rules:\n  - {id: a, literal: x, action: ban}\n"),
              "p.md:3: rule action must be violate, safe or escalate, not 'ban'");
    EXPECT_EQ(error_of("rules:\n  - {id: a, action: safe}\n"), "p.md:3: rule 'a' needs literal or regex");
    EXPECT_EQ(error_of("rules:\n  - {literal: x, action: safe}\n"),
              "p.md:3: a rule needs an id of 1-64 letters, digits, '-', '_' or '.'");
    EXPECT_EQ(error_of("rules:\n  - {id: a, literal: x, regex: y, action: safe}\n"),
              "p.md:3: a rule has either literal or regex, not both");
    EXPECT_EQ(
        error_of("rules:\n  - {id: a, literal: x, action: safe}\n  - {id: a, literal: y, action: safe}\n"),
        "p.md:4: rule id 'a' is used twice");
    EXPECT_EQ(error_of("rules:\n  - {id: a, literal: x}\n"),
              "p.md:3: rule 'a' needs an action (violate, safe or escalate)");
    EXPECT_EQ(error_of("rules:\n  - {id: a, literal: x, action: safe, weight: 2}\n"),
              "p.md:3: unknown rule key 'weight' (known: id, literal, regex, action)");
    EXPECT_EQ(error_of("rules:\n  - {id: a, literal: " + std::string(kMaxRulePatternBytes + 1, 'x') +
                       ", action: safe}\n"),
              "p.md:3: rule 'a': pattern longer than 4096 bytes");
    EXPECT_EQ(error_of("cascade:\n  safe_below: 1.5\n"),
              "p.md:3: 'safe_below' must be a number from 0 to 1, not '1.5'");
    EXPECT_EQ(error_of("cascade:\n  safe_below: 0.9\n  violate_above: 0.5\n"),
              "p.md:2: cascade: safe_below is above violate_above");
    EXPECT_EQ(error_of("cascade:\n  reason_band: [0.1]\n"),
              "p.md:3: reason_band must be [low, high], e.g. [0.2, 0.8]");
    EXPECT_EQ(error_of("cascade:\n  fast: maybe\n"), "p.md:3: 'fast' must be true or false, not 'maybe'");
    EXPECT_EQ(
        error_of("cascade:\n  speed: 1\n"),
        "p.md:3: unknown cascade key 'speed' (known: fast, safe_below, violate_above, reason_violations, "
        "reason_band)");
}

TEST(Rules, PolicyFileSettingsAndDefaults) {
    const Policy plain = parse_policy("Just text.", "plain.md");
    EXPECT_TRUE(plain.rules.empty());
    EXPECT_FALSE(plain.cascade.fast);
    EXPECT_EQ(plain.source, "plain.md");
    const Policy p = parse_policy(
        "---\nrules:\n  - {id: a, regex: '\\d{3}', action: escalate}\ncascade:\n  fast: true\n  safe_below: "
        "0.1\n"
        "  violate_above: 0.9\n  reason_violations: yes\n  reason_band: [0.3, 0.6]\n---\nText.\n",
        "p.md");
    ASSERT_EQ(p.rules.size(), 1u);
    EXPECT_TRUE(p.rules[0].regex);
    EXPECT_EQ(p.rules[0].pattern, "\\d{3}");
    EXPECT_EQ(p.rules[0].action, RuleAction::escalate);
    EXPECT_EQ(p.rules[0].line, 3);
    EXPECT_TRUE(p.cascade.fast);
    EXPECT_DOUBLE_EQ(p.cascade.safe_below, 0.1);
    EXPECT_DOUBLE_EQ(p.cascade.violate_above, 0.9);
    EXPECT_TRUE(p.cascade.reason_violations);
    EXPECT_DOUBLE_EQ(p.cascade.reason_low, 0.3);
    EXPECT_DOUBLE_EQ(p.cascade.reason_high, 0.6);
}

TEST(Rules, SpelledOutWordsAreJoined) {
    EXPECT_EQ(join_spelled_out("i will k i l l you"), "i will kill you");
    EXPECT_EQ(join_spelled_out("k.1.l.l-y-0-u"), "k1lly0u");
    EXPECT_EQ(join_spelled_out("k.1.l.l you"), "k1ll you");  // runs end at a longer token
    EXPECT_EQ(join_spelled_out("a b"), "a b");               // two letters are not a spelled word
    EXPECT_EQ(join_spelled_out("at a b c d"), "at abcd");
    EXPECT_EQ(join_spelled_out("x  y  z"), "x  y  z");  // one separator between letters only
}

// A spelled-out run, written the obvious way: three single characters (letters, digits,
// leetspeak symbols) with one separator between each, standing alone.
bool has_run_reference(std::string_view t) {
    const auto character = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               std::string_view("@$!|+").find(c) != std::string_view::npos;
    };
    const auto separator = [](char c) {
        return std::string_view(" ._*~-").find(c) != std::string_view::npos;
    };
    const auto single = [&](size_t i) {
        return character(t[i]) && (i == 0 || separator(t[i - 1])) &&
               (i + 1 == t.size() || separator(t[i + 1]));
    };
    for (size_t i = 0; i + 4 < t.size(); ++i) {
        if (single(i) && single(i + 2) && single(i + 4)) return true;
    }
    return false;
}

TEST(Rules, SpelledOutRunsAreFoundWhereverBlocksFall) {
    // Runs at the start, straddling the 64-byte blocks the check works in, and at the end.
    for (const size_t at : {0, 1, 57, 58, 59, 60, 61, 62, 63, 64, 65, 120, 127, 128}) {
        std::string text(at, 'w');
        if (at > 0) text.back() = ' ';
        text += "k i l";
        EXPECT_TRUE(join_spelled_out(text) != text) << at;
        text += "l";
        EXPECT_FALSE(join_spelled_out(text) != text) << at;  // ends in a two-letter token: no run
    }
    std::mt19937 rng(5);
    const std::string alphabet = "ab1@  .-\xc3\xa9Q,";
    for (int i = 0; i < 20000; ++i) {
        std::string text(rng() % 150, ' ');
        for (char& c : text) c = alphabet[rng() % alphabet.size()];
        ASSERT_EQ(join_spelled_out(text) != text, has_run_reference(text)) << '"' << text << '"';
    }
}

TEST(Rules, PhrasesAllowOneToThreeCharactersOfAnyScriptBetweenWords) {
    const auto p = policy_with(
        "rules:\n  - {id: kill, literal: \"kill you\", action: violate}\n"
        "  - {id: ja, literal: \"殺す\", action: violate}\n");
    const RuleSet rules({p});
    EXPECT_EQ(decide(rules, *p, "kill — you").action, RuleAction::violate);  // space, em dash, space
    EXPECT_EQ(decide(rules, *p, "kill 🔪 you").action, RuleAction::violate);  // an emoji: 4 bytes
    EXPECT_EQ(decide(rules, *p, "kill🔪🔪you").action, RuleAction::violate);
    EXPECT_EQ(decide(rules, *p, "kill — — you").action, std::nullopt);  // five characters
    EXPECT_EQ(decide(rules, *p, "あなたを殺す").rule_ids, std::vector<std::string>{"ja"});
    EXPECT_EQ(decide(rules, *p, "殺人").action, std::nullopt);
}

TEST(Rules, LiteralExpressionEscapesRegexSyntax) {
    const auto p = policy_with("rules:\n  - {id: q, literal: \"a.b (c)?\", action: violate}\n");
    const RuleSet rules({p});
    EXPECT_EQ(decide(rules, *p, "see a.b (c)? now").action, RuleAction::violate);
    EXPECT_EQ(decide(rules, *p, "see azb c now").action, std::nullopt);
    EXPECT_EQ(literal_expression("ok").find('('), 0u);
}

}  // namespace
}  // namespace arbiter::cascade
