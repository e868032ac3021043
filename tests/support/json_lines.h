#pragma once
// The JSON lines of a command's output (one object per line, as classify and stream print them),
// skipping anything else it printed.

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace arbiter::test {

inline std::vector<nlohmann::json> json_lines(const std::string& output) {
    std::vector<nlohmann::json> out;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
    }
    return out;
}

}  // namespace arbiter::test
