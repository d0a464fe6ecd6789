// TfIdfVectorizer: per row of tokens, how often each n-gram of the pool occurs, its tokens
// skip + 1 apart for each skip in [0, max_skip_count] (a unigram is counted once, whatever the
// skip), for each length in [min_gram_length, max_gram_length]; then TF gives the count, IDF
// the weight where the count is not 0, TFIDF their product.
#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"
#include "ir/onnx_tfidf.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// Whether the pool n-gram `g` is at tokens[start], tokens[start + step], ...
template <typename T>
bool matches(const TfIdfNgram& g, const T* tokens, int64_t start, int64_t step) {
  for (size_t k = 0; k < g.tokens.size(); ++k)
    if (static_cast<int64_t>(tokens[start + static_cast<int64_t>(k) * step]) != g.tokens[k])
      return false;
  return true;
}

template <typename T>
void count_row(const TfIdfPool& pool, const T* tokens, int64_t c, float* y) {
  for (const TfIdfNgram& g : pool.ngrams) {
    const int64_t length = static_cast<int64_t>(g.tokens.size());
    if (length < pool.min_length || length > pool.max_length) continue;
    const int64_t skips = length == 1 ? 0 : pool.max_skip;
    for (int64_t skip = 0; skip <= skips; ++skip) {
      const int64_t step = skip + 1;
      for (int64_t start = 0; start + (length - 1) * step < c; ++start)
        if (matches(g, tokens, start, step)) y[g.output] += 1;
    }
  }
}

void weigh_row(const TfIdfPool& pool, float* y) {
  if (pool.mode == "TF") return;
  for (const TfIdfNgram& g : pool.ngrams) {
    float& v = y[g.output];
    v = pool.mode == "IDF" ? (v > 0 ? g.weight : 0) : v * g.weight;
  }
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_tfidf(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(TfIdfPool pool, read_tfidf_pool(graph, node));
  const Value& x = input_of(graph, node, 0);
  const int64_t rows = x.shape.rank() == 2 ? x.shape[0] : 1;
  const int64_t c = x.shape[x.shape.rank() - 1];
  const DType dtype = x.dtype;
  if (dtype != DType::kInt32 && dtype != DType::kInt64) return unsupported_dtype(graph, node, dtype);
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    float* y = out[0].as<float>();
    std::fill(y, y + rows * pool.outputs, 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      if (dtype == DType::kInt32)
        count_row(pool, in[0].as<const int32_t>() + r * c, c, y + r * pool.outputs);
      else
        count_row(pool, in[0].as<const int64_t>() + r * c, c, y + r * pool.outputs);
      weigh_row(pool, y + r * pool.outputs);
    }
  });
}

}  // namespace outpost
