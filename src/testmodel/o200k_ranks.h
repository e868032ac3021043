#pragma once
// o200k_base, the byte-pair encoding of every gpt-oss model without its special tokens: 199,998
// byte sequences whose rank is their token id. Read from the file js-tiktoken ships
// (dist/ranks/o200k_base.js), which scripts/fetch-tiktoken fetches and checks.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace arbiter::testmodel {

inline constexpr size_t kO200kRanks = 199998;

// Where scripts/fetch-tiktoken put the file (the build's ARBITER_O200K_RANKS).
std::filesystem::path default_o200k_ranks_path();

// The byte sequences in rank order. Throws std::runtime_error for a missing file or one that is
// not js-tiktoken's o200k_base module (every rank from 0 to 199,997 exactly once).
std::vector<std::string> read_o200k_ranks(const std::filesystem::path& path);

}  // namespace arbiter::testmodel
