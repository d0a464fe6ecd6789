#include "ir/onnx_tfidf.h"

#include <algorithm>

namespace outpost {
namespace {

Status bad(const Graph& g, const Node& n, const std::string& why) {
  return shape_mismatch(g.source + ": " + n.describe() + ": " + why);
}

}  // namespace

Result<TfIdfPool> read_tfidf_pool(const Graph& g, const Node& n) {
  if (n.attrs.has("pool_strings"))
    return unsupported(g.source + ": " + n.describe() +
                       ": attribute 'pool_strings': string n-grams are not supported "
                       "(pool_int64s over int32 or int64 tokens is)");
  TfIdfPool p;
  p.min_length = n.attrs.get_int("min_gram_length", 0);
  p.max_length = n.attrs.get_int("max_gram_length", 0);
  p.max_skip = n.attrs.get_int("max_skip_count", 0);
  p.mode = n.attrs.get_string("mode", "");
  if (p.mode != "TF" && p.mode != "IDF" && p.mode != "TFIDF")
    return bad(g, n, "mode '" + p.mode + "' is not one of TF, IDF, TFIDF");
  if (p.min_length < 1 || p.max_length < p.min_length)
    return bad(g, n, "min_gram_length " + std::to_string(p.min_length) + " and max_gram_length " +
                         std::to_string(p.max_length) + " must satisfy 1 <= min <= max");
  if (p.max_skip < 0) return bad(g, n, "max_skip_count must not be negative");
  const std::vector<int64_t> pool = n.attrs.get_ints("pool_int64s");
  const std::vector<int64_t> counts = n.attrs.get_ints("ngram_counts");
  const std::vector<int64_t> indexes = n.attrs.get_ints("ngram_indexes");
  const std::vector<float> weights = n.attrs.get_floats("weights");
  const int64_t pool_size = static_cast<int64_t>(pool.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const int64_t begin = counts[i];
    const int64_t end = i + 1 < counts.size() ? counts[i + 1] : pool_size;
    const int64_t length = static_cast<int64_t>(i) + 1;
    if (begin < 0 || end < begin || end > pool_size || (end - begin) % length != 0)
      return bad(g, n, "ngram_counts[" + std::to_string(i) + "] = " + std::to_string(begin) +
                           " does not start a run of " + std::to_string(length) +
                           "-grams in pool_int64s (" + std::to_string(pool_size) + " entries)");
    for (int64_t at = begin; at < end; at += length) {
      TfIdfNgram ngram;
      ngram.tokens.assign(pool.begin() + at, pool.begin() + at + length);
      p.ngrams.push_back(std::move(ngram));
    }
  }
  if (indexes.size() != p.ngrams.size())
    return bad(g, n, "ngram_indexes has " + std::to_string(indexes.size()) +
                         " entries, but the pool holds " + std::to_string(p.ngrams.size()) +
                         " n-grams");
  if (!weights.empty() && weights.size() != p.ngrams.size())
    return bad(g, n, "weights has " + std::to_string(weights.size()) + " entries, but the pool holds " +
                         std::to_string(p.ngrams.size()) + " n-grams");
  for (size_t k = 0; k < p.ngrams.size(); ++k) {
    if (indexes[k] < 0 || indexes[k] > (int64_t{1} << 31))
      return bad(g, n, "ngram_indexes[" + std::to_string(k) + "] = " + std::to_string(indexes[k]) +
                           " is out of range");
    p.ngrams[k].output = indexes[k];
    if (!weights.empty()) p.ngrams[k].weight = weights[k];
    p.outputs = std::max(p.outputs, indexes[k] + 1);
  }
  return p;
}

}  // namespace outpost
