// TfIdfVectorizer's n-gram pool (ONNX): the n-grams of pool_int64s, grouped by length as
// ngram_counts says (the n-grams of length i + 1 start at ngram_counts[i]), each with the output
// entry it counts into (ngram_indexes) and its weight. Shape inference reads it to check the node
// and size the output; the reference kernel reads it again (the same function) to count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost {

struct TfIdfNgram {
  std::vector<int64_t> tokens;
  int64_t output = 0;  // the entry of the output vector it counts into
  float weight = 1;
};

struct TfIdfPool {
  int64_t min_length = 1, max_length = 1, max_skip = 0;
  std::string mode;  // TF, IDF or TFIDF
  std::vector<TfIdfNgram> ngrams;
  int64_t outputs = 0;  // the output vector's length: the largest ngram_indexes entry + 1
};

// The pool of a TfIdfVectorizer node, or kShapeMismatch (kUnsupported for a string pool)
// naming the node and the attribute that is wrong.
Result<TfIdfPool> read_tfidf_pool(const Graph& g, const Node& n);

}  // namespace outpost
