#include "support/markdown.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace arbiter::test {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string trim(const std::string& s) {
    const size_t begin = s.find_first_not_of(" \t");
    if (begin == std::string::npos) return "";
    return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

// The reason of a `<!-- not run: ... -->` line; nullopt when the line is no such marker.
std::optional<std::string> not_run_reason(const std::string& line) {
    static const std::regex marker(R"(^<!--\s*not run:?(.*?)-->\s*$)");
    std::smatch m;
    if (!std::regex_match(line, m, marker)) return std::nullopt;
    return trim(m[1].str());
}

}  // namespace

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<CodeBlock> code_blocks(const std::string& markdown) {
    std::vector<CodeBlock> blocks;
    const std::vector<std::string> lines = lines_of(markdown);
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("```", 0) != 0) continue;
        CodeBlock block;
        block.line = static_cast<int>(i) + 1;
        block.language = trim(lines[i].substr(3));
        if (i > 0) block.not_run = not_run_reason(lines[i - 1]);
        for (++i; i < lines.size() && lines[i].rfind("```", 0) != 0; ++i) block.text += lines[i] + "\n";
        blocks.push_back(std::move(block));
    }
    return blocks;
}

bool is_shell(const CodeBlock& block) {
    return block.language == "sh" || block.language == "bash" || block.language == "shell";
}

std::vector<Section> sections(const std::string& markdown) {
    std::vector<Section> found;
    bool in_code = false;
    for (const std::string& line : lines_of(markdown)) {
        if (line.rfind("```", 0) == 0) in_code = !in_code;
        if (!in_code && line.rfind("## ", 0) == 0) {
            found.push_back({trim(line.substr(3)), ""});
        } else if (!found.empty()) {
            found.back().body += line + "\n";
        }
    }
    return found;
}

std::vector<std::vector<std::string>> table_rows(const std::string& markdown) {
    std::vector<std::vector<std::string>> rows;
    bool header = true;  // the first row of each table names its columns
    for (const std::string& line : lines_of(markdown)) {
        if (line.rfind('|', 0) != 0) {
            header = true;
            continue;
        }
        if (line.rfind("|---", 0) == 0 || line.rfind("| ---", 0) == 0) continue;
        if (header) {
            header = false;
            continue;
        }
        std::vector<std::string> cells;
        std::string cell;
        for (size_t i = 1; i < line.size(); ++i) {
            if (line[i] == '|' && line[i - 1] != '\\') {
                cells.push_back(trim(cell));
                cell.clear();
            } else {
                cell += line[i];
            }
        }
        rows.push_back(std::move(cells));
    }
    return rows;
}

std::string without_backticks(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c != '`') out += c;
    }
    return out;
}

}  // namespace arbiter::test
