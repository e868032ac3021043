#pragma once
// The parts of the project's Markdown that tests check: fenced code blocks (with the "not run"
// marker that may precede one), sections under "## " headings, and the cells of table rows.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace arbiter::test {

struct CodeBlock {
    int line = 0;          // of the opening fence, 1-based
    std::string language;  // after the fence: sh, yaml, text, ...
    std::string text;      // the lines between the fences, each ending in '\n'
    // The reason in `<!-- not run: REASON -->` on the line right before the fence; an empty
    // string when the marker is there without a reason.
    std::optional<std::string> not_run;
};

struct Section {
    std::string heading;  // the text after "## "
    std::string body;     // up to the next "## " heading
};

// The whole file; throws std::runtime_error when it cannot be read.
std::string read_text(const std::filesystem::path& path);

std::vector<CodeBlock> code_blocks(const std::string& markdown);

// Whether a block is a shell session a reader would type: sh, bash or shell.
bool is_shell(const CodeBlock& block);

// The "## " sections, in order (text before the first is left out).
std::vector<Section> sections(const std::string& markdown);

// The cells of each table row in `markdown` (lines starting with '|'), header rows and the
// "|---|" separator left out, each cell trimmed. "\|" inside a cell stays in the cell.
std::vector<std::vector<std::string>> table_rows(const std::string& markdown);

// `text` without its backticks.
std::string without_backticks(const std::string& text);

}  // namespace arbiter::test
