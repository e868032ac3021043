#pragma once
// The classification protocol, written once for every engine that runs a harmony prompt itself
// (the embedded engine, llama-server's raw mode, and stream sessions):
//
//   1. the prompt: system, developer (the policy), the content as the user message, then the
//      assistant turn opened on the analysis channel (reason) or on the final channel with the
//      answer's opening forced (score);
//   2. score mode: P(violation) from the logits of the answers "0" and "1", and the verdict;
//   3. reason mode: reasoning until the model writes any control token or the budget is spent;
//      then the engine writes the final channel's header itself, and the answer is sampled under
//      the policy's grammar until it parses, closes, or reaches its token cap;
//   4. the verdict, or why there is none: a passed deadline is status timeout on every engine.
//
// A Classification is the state of one job through those steps. The engine asks it what to
// evaluate and feeds it what the model generated, a token at a time (the embedded engine, inside
// its continuous batches) or a request at a time (raw mode); the rules live here.

#include <optional>
#include <string>
#include <string_view>

#include "core/backend.h"
#include "harmony/renderer.h"

namespace arbiter::harmony {

// The reasoning budget of `job`: its own when set, else the engine's default.
int reasoning_budget(const Job& job, int engine_default);

// The prompt `job` is judged on, split where engines share work (see ClassificationPrompt):
// `item` ends where generation starts.
ClassificationPrompt classification_prompt(const Job& job);

class Classification {
public:
    Classification(Job job, int default_reasoning_budget);

    const Job& job() const { return job_; }
    bool scoring() const { return job_.mode == Mode::score; }
    int reasoning_budget() const { return budget_; }
    // The answer's grammar (GBNF) and the most tokens an answer may take.
    const std::string& answer_grammar() const { return grammar_; }
    int answer_cap() const;

    // Prompt tokens and cached tokens, as the engine counted them.
    Usage& usage() { return usage_; }

    // Score mode: the model's P(violation). Completes the verdict.
    void score(double probability);

    // Reason mode, the analysis: call before keeping each generated token. False when the token
    // ends the reasoning (any control token, the model's own <|end|> included, or the budget is
    // spent): the token is dropped and the answer comes next, after final_channel_header().
    bool reasoning_continues(bool control_token);
    // The text of reasoning tokens kept, in order (in pieces or at once); each piece also goes to
    // the job's on_reasoning as it arrives.
    void add_reasoning(std::string_view text);

    // The answer, a token at a time: false once it is complete (it parses, closes, or reached its
    // cap); the verdict is then ready.
    bool answer_continues(std::string_view piece);
    // The whole answer at once (`tokens` generated), from an engine that generated it in one go.
    void set_answer(std::string answer, int tokens);

    // The verdict, once score() or the answer completed it.
    Verdict verdict() const;
    // The job ended early: the verdict keeps the reasoning and usage so far.
    Verdict stopped(Stop why) const;
    Verdict failed(std::string message) const;

private:
    // `v` with the usage, reasoning and answer so far.
    Verdict with_progress(Verdict v) const;

    Job job_;
    int budget_;
    std::string grammar_;
    Usage usage_;
    int reasoning_tokens_ = 0;
    int answer_tokens_ = 0;
    std::string analysis_;
    std::string answer_;
    std::optional<double> probability_;
};

}  // namespace arbiter::harmony
