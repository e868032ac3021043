#pragma once
// A client of `arbiter serve` for the service tests: requests over real HTTP, replies parsed, and
// the files a server needs (a fresh database, a configuration).

#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/postgres.h"
#include "support/scratch.h"

namespace arbiter::test {

using nlohmann::json;

inline const std::string kPolicies = std::string(ARBITER_SOURCE_DIR) + "/examples/policies";

// Whether this run's service tests keep their state on PostgreSQL (ARBITER_TEST_ENGINE=postgres:
// ctest runs the service suites a second time so) rather than in SQLite files.
inline bool service_tests_on_postgres() {
    const char* engine = std::getenv("ARBITER_TEST_ENGINE");
    return engine != nullptr && std::string_view(engine) == "postgres";
}

// An empty database for one server, as --db takes it: a SQLite file in a folder of its own, or a
// new database on the test cluster when the run is on PostgreSQL.
inline std::filesystem::path fresh_db(const std::string& name) {
    if (service_tests_on_postgres()) return fresh_postgres_db(name);
    const std::filesystem::path dir = test::scratch_dir() / ("service-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir / "arbiter.db";
}

// fresh_db's location as one word of a shell command (a PostgreSQL URL holds '&' and '?').
inline std::string fresh_db_arg(const std::string& name) {
    std::string quoted = "'";
    for (const char c : fresh_db(name).string())
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

struct Reply {
    int status = 0;
    json body;
    httplib::Headers headers;
    std::string text;
};

inline Reply send(int port, const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& key = "", const std::string& content_type = "application/json") {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(120));
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    httplib::Result res = method == "GET"      ? client.Get(path, headers)
                          : method == "PUT"    ? client.Put(path, headers, body, content_type)
                          : method == "DELETE" ? client.Delete(path, headers)
                                               : client.Post(path, headers, body, content_type);
    Reply r;
    if (!res) return r;
    r.status = res->status;
    r.text = res->body;
    r.headers = res->headers;
    r.body = json::parse(res->body, nullptr, false);
    return r;
}

inline Reply post(int port, const std::string& path, const json& body, const std::string& key = "") {
    return send(port, "POST", path, body.dump(), key);
}

inline std::string error_message(const Reply& r) {
    return r.body.is_object() && r.body.contains("error") ? r.body["error"]["message"].get<std::string>()
                                                          : r.text;
}

// A new key made by `arbiter apikey` (appended to the keys file `file`).
inline std::string new_api_key(const std::string& file, const std::string& name, const std::string& role) {
    const CommandResult r = run_command(built_binary("arbiter") + " apikey --name " + name + " --role " +
                                        role + " --file " + file);
    std::smatch key;
    if (r.exit_code != 0 || !std::regex_search(r.output, key, std::regex("arb_[A-Za-z0-9_-]{43}")))
        throw std::runtime_error("arbiter apikey failed: " + r.output);
    return key.str();
}

inline std::string write_config(const std::string& name, const std::string& yaml) {
    return test::write_file(name + ".yaml", yaml);
}

// The value of one metric line, or -1 when it is absent.
// The exposition without the arbiter_instance label that every sample carries (ServiceConfig::
// instance), so that tests name series as one instance sees them: `name{endpoint="x"}`, `name`.
inline std::string without_instance_labels(const std::string& exposition) {
    static const std::regex label(R"(arbiter_instance="[^"]*",?)");
    static const std::regex no_labels(R"(\{\})");
    return std::regex_replace(std::regex_replace(exposition, label, ""), no_labels, "");
}

inline double metric(const std::string& exposition, const std::string& series) {
    std::istringstream lines(without_instance_labels(exposition));
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

// Polls /metrics until the queue holds `depth` jobs (for up to 10 s).
inline bool wait_for_queue_depth(int port, double depth) {
    for (int i = 0; i < 2000; ++i) {
        if (metric(send(port, "GET", "/metrics").text, "arbiter_queue_depth") == depth) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

}  // namespace arbiter::test
