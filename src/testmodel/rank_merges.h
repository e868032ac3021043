#pragma once
// The merges of a rank-based byte-pair encoding (tiktoken's), which GGUF's BPE vocabularies need
// and tiktoken's files do not carry. Derived as Hugging Face's and llama.cpp's converters of
// tiktoken models do: each token of two or more bytes, encoded by BPE over the tokens ranked below
// it, ends as exactly two tokens, and merging those two is the merge that forms it. In rank order,
// merges then rank as the tokens they form, so merge-based BPE picks the pairs tiktoken picks.

#include <string>
#include <utility>
#include <vector>

namespace arbiter::testmodel {

// `ranked[r]` is the byte sequence of rank r. The result holds one (left, right) pair of byte
// sequences per token of two or more bytes, in rank order. Throws std::invalid_argument when a
// token does not reduce to two lower-ranked ones (the ranks are then not a BPE).
std::vector<std::pair<std::string, std::string>> merges_from_ranks(const std::vector<std::string>& ranked);

}  // namespace arbiter::testmodel
