// The reference documents against the code they describe: docs/cli.md's flag tables against what
// each command's --help prints, both ways; docs/http-api.md's endpoint table against the routes
// the server registers, with their roles (Server::routes(), in-process: the route table is the
// single source of the endpoints); and every link between the documents.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/in_process_server.h"
#include "support/markdown.h"
#include "support/scratch.h"

namespace arbiter {
namespace {

namespace fs = std::filesystem;
using Flags = std::set<std::string>;

const fs::path kSource = ARBITER_SOURCE_DIR;

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : " ") + p;
    return out;
}

// The long flags named in the first column of a section's tables.
Flags table_flags(const std::string& body) {
    static const std::regex flag("--[a-z][a-z0-9-]*");
    Flags found;
    for (const auto& row : test::table_rows(body)) {
        if (row.empty()) continue;
        const std::string cell = test::without_backticks(row[0]);
        for (std::sregex_iterator m(cell.begin(), cell.end(), flag), end; m != end; ++m)
            found.insert(m->str());
    }
    return found;
}

std::string help(const std::vector<std::string>& command) {
    const test::CommandResult r = test::run_command(test::built_binary(command[0]) + " " +
                                                    joined({command.begin() + 1, command.end()}) + " --help");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
}

// Each long flag --help shows (but --help), with its whole entry: the option line and the
// description lines under it.
std::map<std::string, std::string> help_entries(const std::string& text) {
    static const std::regex option(R"(^\s+(?:-[A-Za-z],)?(--[a-z][a-z0-9-]*))");
    std::map<std::string, std::string> entries;
    std::string current;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, option)) {
            current = m[1].str();
        } else if (line.empty() || line[0] != ' ') {
            current.clear();  // "Subcommands:" and the like end the options
            continue;
        }
        if (!current.empty()) entries[current] += line + "\n";
    }
    entries.erase("--help");
    return entries;
}

Flags help_flags(const std::vector<std::string>& command) {
    Flags flags;
    for (const auto& [flag, entry] : help_entries(help(command))) flags.insert(flag);
    return flags;
}

// Every command path `arbiter --help` leads to ("classify", "policy lint", ...), and the
// generator of test models beside it.
std::set<std::string> commands(const std::vector<std::string>& prefix = {"arbiter"}) {
    std::set<std::string> found;
    std::istringstream in(help(prefix));
    bool listing = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "Subcommands:") {
            listing = true;
        } else if (listing && line.rfind("  ", 0) == 0) {
            std::vector<std::string> sub = prefix;
            sub.push_back(words(line)[0]);
            const std::set<std::string> deeper = commands(sub);
            if (deeper.empty()) found.insert(joined(sub));
            found.insert(deeper.begin(), deeper.end());
        } else {
            listing = false;
        }
    }
    if (prefix.size() == 1) found.insert("arbiter-testmodel");
    return found;
}

TEST(DocsCommands, EachCommandsTableListsTheFlagsItsHelpShows) {
    const auto cli = test::sections(test::read_text(kSource / "docs/cli.md"));
    Flags backend;
    for (const auto& s : cli) {
        if (s.heading == "Backend flags") backend = table_flags(s.body);
    }
    ASSERT_FALSE(backend.empty()) << "docs/cli.md has no \"## Backend flags\" table";
    std::set<std::string> documented;
    for (const auto& s : cli) {
        const std::string command = test::without_backticks(s.heading);
        if (command.rfind("arbiter", 0) != 0) continue;
        documented.insert(command);
        Flags listed = table_flags(s.body);
        if (s.body.find("(#backend-flags)") != std::string::npos)
            listed.insert(backend.begin(), backend.end());
        const Flags shown = help_flags(words(command));
        for (const std::string& f : listed) {
            if (!shown.contains(f))
                ADD_FAILURE() << "docs/cli.md lists " << f << " for `" << command
                              << "`, which its --help does not show";
        }
        for (const std::string& f : shown) {
            if (!listed.contains(f))
                ADD_FAILURE() << "`" << command << " --help` shows " << f
                              << ", which docs/cli.md does not list";
        }
    }
    EXPECT_EQ(documented, commands()) << "docs/cli.md needs one \"## arbiter ...\" section per command";
}

// A command may describe a shared flag its own way (serve's --config reads more than the
// backend), but none may keep a stale copy of the common text.
TEST(DocsCommands, EveryCommandDescribesTheBackendFlagsAlike) {
    const auto reference = help_entries(help({"arbiter", "classify"}));
    for (const char* command : {"eval", "serve", "stream"}) {
        const auto entries = help_entries(help({"arbiter", command}));
        for (const char* flag :
             {"--backend", "--model", "--parallel", "--threads", "--ctx", "--gpu-layers", "--flash-attention",
              "--batch", "--max-reasoning-tokens", "--seed", "--endpoint", "--remote-mode", "--remote-model",
              "--api-key-env", "--max-concurrency-per-endpoint", "--retries", "--timeout"}) {
            ASSERT_TRUE(entries.contains(flag)) << command << " has no " << flag;
            EXPECT_EQ(entries.at(flag), reference.at(flag)) << "arbiter " << command << " " << flag;
        }
    }
}

TEST(DocsCommands, TheReadmeNamesEveryCommand) {
    const std::string readme = test::read_text(kSource / "README.md");
    for (const std::string& command : commands())
        EXPECT_NE(readme.find("`" + command + "`"), std::string::npos)
            << "README.md does not name " << command;
}

// "METHOD /path" -> role of every route the server registers (Server::routes(), the single
// source of its endpoints), with the gateway configured so that its route is there too. A route
// that checks its own key (Perspective's, which also take ?key=) has no role here.
std::map<std::string, std::string> registered_routes() {
    service::ServiceConfig config;
    config.gateway.upstream = "http://127.0.0.1:9/v1";
    config.mcp.upstream = "http://127.0.0.1:9/mcp";
    test::InProcessServer server(
        test::fresh_db("docs-routes"),
        {.config = config, .keys_file = {}, .engine = false, .streams = 0, .max_reasoning_tokens = 0});
    std::map<std::string, std::string> routes;
    for (const service::RouteInfo& r : server.server().routes())
        routes[r.method + " " + r.pattern] = r.role ? std::string(service::to_string(*r.role)) : "";
    return routes;
}

TEST(DocsHttpApi, TheEndpointTableListsExactlyTheRegisteredRoutes) {
    std::map<std::string, std::string> documented;  // "METHOD /path" -> the role column
    for (const auto& s : test::sections(test::read_text(kSource / "docs/http-api.md"))) {
        if (s.heading != "Endpoints") continue;
        for (const auto& row : test::table_rows(s.body)) {
            ASSERT_EQ(row.size(), 4u) << "a row of | method | path | role | what it does |";
            documented[test::without_backticks(row[0]) + " " + test::without_backticks(row[1])] = row[2];
        }
    }
    const std::map<std::string, std::string> registered = registered_routes();
    ASSERT_GT(registered.size(), 30u) << "the server registers too few routes";
    for (const auto& [route, role] : registered) {
        const auto doc = documented.find(route);
        if (doc == documented.end()) {
            ADD_FAILURE() << route << " is registered but not in docs/http-api.md";
            continue;
        }
        // A route without a role is open ("none") or checks its own key ("any key ...").
        const bool same = role.empty() ? doc->second == "none" || doc->second.rfind("any key", 0) == 0
                                       : doc->second == role;
        EXPECT_TRUE(same) << route << ": the server asks for '" << role << "', the docs say '" << doc->second
                          << "'";
    }
    for (const auto& [route, role] : documented) {
        if (!registered.contains(route))
            ADD_FAILURE() << route << " is in docs/http-api.md but not registered";
    }
}

// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
std::string anchor_of(const std::string& heading) {
    std::string anchor;
    for (const char c : heading) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_') anchor += static_cast<char>(std::tolower(u));
        if (c == ' ') anchor += '-';
    }
    return anchor;
}

std::set<std::string> anchors(const std::string& markdown) {
    std::set<std::string> found;
    std::istringstream in(markdown);
    bool code = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("```", 0) == 0) code = !code;
        const size_t hashes = line.find_first_not_of('#');
        if (code || hashes == 0 || hashes == std::string::npos || line[hashes] != ' ') continue;
        found.insert(anchor_of(test::without_backticks(line.substr(hashes + 1))));
    }
    return found;
}

TEST(DocsLinks, EveryRelativeLinkFindsItsFileAndHeading) {
    static const std::regex link(R"(\]\(([^)\s]+)\))");
    std::vector<fs::path> docs = {kSource / "README.md"};
    for (const auto& entry : fs::directory_iterator(kSource / "docs")) {
        if (entry.path().extension() == ".md") docs.push_back(entry.path());
    }
    size_t checked = 0;
    for (const fs::path& doc : docs) {
        const std::string text = test::read_text(doc);
        for (std::sregex_iterator m(text.begin(), text.end(), link), end; m != end; ++m) {
            const std::string target = (*m)[1];
            if (target.find("://") != std::string::npos) continue;
            const size_t hash = target.find('#');
            const fs::path file = hash == 0 ? doc : doc.parent_path() / target.substr(0, hash);
            const std::string where = doc.filename().string() + ": (" + target + ")";
            ++checked;
            if (!fs::exists(file)) {
                ADD_FAILURE() << where << ": no file " << file;
            } else if (hash != std::string::npos &&
                       !anchors(test::read_text(file)).contains(target.substr(hash + 1))) {
                ADD_FAILURE() << where << ": no such heading in " << file.filename();
            }
        }
    }
    EXPECT_GT(checked, 40u) << "the documents' links went missing";
}

}  // namespace
}  // namespace arbiter
