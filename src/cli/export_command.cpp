// arbiter export statements: the statements of reasons of a database's decisions, as JSONL in the
// DSA Transparency Database's shape (review/decision_statement.h), for a platform to complete and
// submit.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/progress.h"
#include "core/service_error.h"
#include "core/store_error.h"
#include "core/verdict_json.h"
#include "review/decision_statement.h"
#include "storage/database.h"
#include "storage/decision_log.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"

namespace arbiter::cli {

namespace {

constexpr int kPage = 1000;

struct ExportArgs {
    std::string db;
    std::string since;
    std::string until;
    std::string policy;
    std::string out;
};

struct Tally {
    size_t decisions = 0;
    size_t statements = 0;
    size_t no_violation = 0;
    std::map<std::string, std::string> refused;  // policy -> why its decisions have no statement
};

struct Stores {
    storage::DecisionLog log;
    storage::PolicyStore policies;
    storage::ReviewLog reviews;
    explicit Stores(const std::string& db) : log(db, true), policies(db), reviews(db) {}
};

// One decision's statement line, or nothing (counted in `tally`).
std::optional<std::string> statement_line(Stores& stores, const nlohmann::ordered_json& row, Tally& tally) {
    const std::vector<storage::Review> reviews =
        stores.reviews.of_decision(row["decision_id"].get<int64_t>());
    if (!service::restricts(row, reviews)) {
        ++tally.no_violation;
        return std::nullopt;
    }
    const std::string policy = row["policy_id"].get<std::string>();
    const std::optional<storage::PolicyVersion> judged =
        stores.policies.version(policy, row["policy_version"].get<int>());
    const std::shared_ptr<const Policy> current = stores.policies.current(policy);
    try {
        return to_json_line(service::decision_statement(row, judged ? judged->policy.get() : nullptr,
                                                        current.get(), reviews));
    } catch (const ServiceError& e) {
        tally.refused.emplace(policy, e.what());  // the first reason each policy gave
        return std::nullopt;
    }
}

int run_export(const ExportArgs& a) {
    if (!storage::is_postgres_url(a.db) && !std::filesystem::is_regular_file(a.db)) {
        std::fprintf(stderr, "arbiter export statements: %s: no such database file\n", a.db.c_str());
        return kExitBadInput;
    }
    storage::DecisionQuery query;
    query.since = storage::canonical_utc_timestamp(a.since);
    if (!a.until.empty()) query.until = storage::canonical_utc_timestamp(a.until);
    if (!query.since || (!a.until.empty() && !query.until)) {
        std::fprintf(stderr,
                     "arbiter export statements: --since and --until take an ISO 8601 UTC date or time, "
                     "e.g. 2026-11-27 or 2026-11-27T20:00:00Z\n");
        return kExitBadInput;
    }
    if (!a.policy.empty()) query.policy = a.policy;
    query.limit = kPage;
    std::ofstream file;
    if (!a.out.empty()) {
        file.open(a.out, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::fprintf(stderr, "arbiter export statements: %s: cannot be written\n", a.out.c_str());
            return kExitFailure;
        }
    }
    std::ostream& out = a.out.empty() ? std::cout : file;
    Tally tally;
    try {
        Stores stores(a.db);
        Progress progress(0);
        for (;;) {
            const std::vector<nlohmann::ordered_json> rows = stores.log.query(query);
            for (const nlohmann::ordered_json& row : rows) {
                if (const std::optional<std::string> line = statement_line(stores, row, tally)) {
                    out << *line << '\n';
                    ++tally.statements;
                }
                progress.update(++tally.decisions);
            }
            if (rows.size() < static_cast<size_t>(kPage)) break;
            query.before = rows.back()["decision_id"].get<int64_t>();
        }
    } catch (const StoreError& e) {
        std::fprintf(stderr, "arbiter export statements: %s\n", e.what());
        return kExitFailure;
    }
    out.flush();
    if (!out) {
        std::fprintf(stderr, "arbiter export statements: writing the statements failed\n");
        return kExitFailure;
    }
    std::fprintf(stderr, "%zu decisions read: %zu statements, %zu without a violation\n", tally.decisions,
                 tally.statements, tally.no_violation);
    for (const auto& [policy, why] : tally.refused)
        std::fprintf(stderr, "  no statements for policy '%s': %s\n", policy.c_str(), why.c_str());
    return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, Action& action) {
    CLI::App* exp = app.add_subcommand("export", "Export what arbiter decided, for others to read");
    exp->require_subcommand(1);
    CLI::App* statements = exp->add_subcommand(
        "statements",
        "Write the statements of reasons of the decisions that found a violation, one JSON object a line, "
        "in the shape of the EU's DSA Transparency Database API (v2): ground and category from each "
        "policy's dsa: front matter, automated_decision partial where a person reviewed the decision. "
        "Fields arbiter cannot know (content_date, territorial_scope, ...) are left for the platform to "
        "add before it submits: see docs/operations.md, \"DSA statements of reasons\". Newest first; a "
        "summary and the policies without a dsa: mapping go to stderr");
    auto a = std::make_shared<ExportArgs>();
    statements
        ->add_option("--db", a->db,
                     "The database `arbiter serve --db` writes: a SQLite file or a postgresql:// URL")
        ->required();
    statements->add_option("--since", a->since, "Decisions made at or after this ISO 8601 UTC date or time")
        ->required();
    statements->add_option("--until", a->until,
                           "Decisions made before this ISO 8601 UTC date or time (a date: its midnight)");
    statements->add_option("--policy", a->policy, "Only the decisions of this policy id");
    statements->add_option("--out", a->out, "Write to this file instead of stdout");
    statements->callback([&action, a] { action = [a] { return run_export(*a); }; });
}

}  // namespace arbiter::cli
