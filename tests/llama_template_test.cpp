// arbiter's renderer against llama.cpp's own rendering of its gpt-oss chat template (its Jinja
// engine, models/templates/openai-gpt-oss-120b.jinja). The two may differ in exactly the two
// documented ways: the template always writes a date line, and it appends a blank line after
// the developer instructions.

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "harmony/renderer.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"
#include "jinja/runtime.h"
#include "json.h"

namespace arbiter {
namespace {

std::string read_template() {
    std::ifstream in(ARBITER_LLAMA_TEMPLATE);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Renders the template as llama-server would for [policy as the first system message, content
// as the user message] with add_generation_prompt, at a fixed clock time.
std::string llama_render(const std::string& policy, const std::string& content, const std::string& effort,
                         std::time_t now) {
    const std::string tmpl = read_template();
    jinja::lexer lexer;
    const auto tokens = lexer.tokenize(tmpl);
    const jinja::program program = jinja::parse_from_tokens(tokens);
    jinja::context ctx(tmpl);
    ctx.current_time = now;
    const std::string json_text =
        "{\"messages\": [{\"role\": \"system\", \"content\": " + common_json(policy).dump() +
        "}, {\"role\": \"user\", \"content\": " + common_json(content).dump() +
        "}], \"add_generation_prompt\": true, " + "\"reasoning_effort\": " + common_json(effort).dump() + "}";
    jinja::global_from_json(ctx, common_json::parse(json_text), true);
    jinja::runtime runtime(ctx);
    return jinja::runtime::gather_string_parts(runtime.execute(program))->as_string().str();
}

std::time_t local_noon(int year, int month, int day) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = 12;
    tm.tm_isdst = -1;
    return std::mktime(&tm);
}

struct Case {
    std::string policy;
    std::string content;
    ReasoningEffort effort;
};

std::vector<Case> cases() {
    return {
        {"Answer 0 or 1.", "hello", ReasoningEffort::medium},
        {"# Spam\n\n## Rules\n- SP2: ads\n\nAnswer 0 or 1.", "Buy now!\nLine two.", ReasoningEffort::low},
        {"Policy with \"quotes\" and unicode: é, 日本", "content <b>html</b> & {{ jinja }}",
         ReasoningEffort::high},
    };
}

TEST(LlamaTemplate, SameBytesUpToTheBlankLineWhenTheDateIsSet) {
    for (const Case& c : cases()) {
        harmony::Settings settings;
        settings.effort = c.effort;
        settings.date = "2025-06-28";
        const std::string ours = harmony::render_classification(settings, c.policy, c.content).str();
        std::string theirs =
            llama_render(c.policy, c.content, std::string(to_string(c.effort)), local_noon(2025, 6, 28));
        // Difference 2: the template's blank line after the instructions.
        const std::string appended = c.policy + "\n\n<|end|>";
        const size_t at = theirs.find(appended);
        ASSERT_NE(at, std::string::npos) << theirs;
        theirs.replace(at, appended.size(), c.policy + "<|end|>");
        EXPECT_EQ(ours, theirs);
    }
}

TEST(LlamaTemplate, WithoutADateTheDateLineIsTheOtherDifference) {
    const Case c = cases()[0];
    harmony::Settings settings;
    const std::string ours = harmony::render_classification(settings, c.policy, c.content).str();
    std::string theirs = llama_render(c.policy, c.content, "medium", local_noon(2026, 1, 2));
    const std::string date_line = "Current date: 2026-01-02\n";
    const size_t date_at = theirs.find(date_line);
    ASSERT_NE(date_at, std::string::npos) << theirs;
    theirs.erase(date_at, date_line.size());
    const size_t blank_at = theirs.find(c.policy + "\n\n<|end|>");
    ASSERT_NE(blank_at, std::string::npos) << theirs;
    theirs.erase(blank_at + c.policy.size(), 2);
    EXPECT_EQ(ours, theirs);
}

}  // namespace
}  // namespace arbiter
