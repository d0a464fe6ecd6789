// Transpose, and the NCHW OnnxDepthToSpace / SpaceToDepth written as a reshape + transpose
// (as the ONNX specification defines them), as element copies of any dtype.
#include <algorithm>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// Merges input dimensions that the permutation keeps adjacent and in order (ShuffleNet's
// [N, 2, C/2, H, W] -> [N, C/2, 2, H, W] moves H and W together): fewer, longer dimensions.
void coalesce(std::vector<int64_t>& dims, std::vector<int64_t>& perm) {
  std::vector<int64_t> out_dims, groups;  // per output dimension: merged extent, first input dim
  for (size_t o = 0; o < perm.size(); ++o) {
    if (!groups.empty() && perm[o] == perm[o - 1] + 1) {
      out_dims.back() *= dims[static_cast<size_t>(perm[o])];
    } else {
      out_dims.push_back(dims[static_cast<size_t>(perm[o])]);
      groups.push_back(perm[o]);
    }
  }
  // Renumber the merged groups in input order.
  std::vector<int64_t> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::sort(order.begin(), order.end(),
            [&](int64_t a, int64_t b) { return groups[a] < groups[b]; });
  std::vector<int64_t> new_dims(groups.size()), new_perm(groups.size());
  for (size_t rank_in = 0; rank_in < order.size(); ++rank_in) {
    const size_t o = static_cast<size_t>(order[rank_in]);
    new_dims[rank_in] = out_dims[o];
    new_perm[o] = static_cast<int64_t>(rank_in);
  }
  dims = std::move(new_dims);
  perm = std::move(new_perm);
}

// Copies `in` (of shape `dims`) permuted by `perm` into out: whole rows when the innermost
// dimension stays innermost, element by element otherwise.
RunFn transpose_fn(std::vector<int64_t> dims, std::vector<int64_t> perm, size_t elem) {
  if (!dims.empty()) coalesce(dims, perm);
  const std::vector<int64_t> in_stride = strides_of(Shape(dims));
  std::vector<int64_t> out_dims, stride;  // per output dimension: extent and input stride
  for (int64_t p : perm) {
    out_dims.push_back(dims[static_cast<size_t>(p)]);
    stride.push_back(in_stride[static_cast<size_t>(p)]);
  }
  // Rows: the innermost output dimension read contiguously becomes one memcpy.
  const bool rows = !out_dims.empty() && stride.back() == 1;
  const int64_t row = rows ? out_dims.back() : 1;
  if (rows) {
    out_dims.pop_back();
    stride.pop_back();
  }
  return [out_dims, stride, elem, row](std::span<const TensorView> in,
                                       std::span<const TensorView> out) {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    const int64_t total = row > 0 ? out[0].num_elements() / row : 0;
    const size_t row_bytes = static_cast<size_t>(row) * elem;
    std::array<int64_t, kMaxRank> index{};
    int64_t off = 0;
    const size_t rank = out_dims.size();
    for (int64_t i = 0; i < total; ++i) {
      std::memcpy(dst + i * static_cast<int64_t>(row_bytes), src + off * static_cast<int64_t>(elem),
                  row_bytes);
      for (size_t k = rank; k-- > 0;) {
        off += stride[k];
        if (++index[k] < out_dims[k]) break;
        off -= stride[k] * out_dims[k];
        index[k] = 0;
      }
    }
  };
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_transpose(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const size_t elem = dtype_size(input_of(graph, node, 0).dtype);
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, x));
  if (node.op == OpKind::kTranspose) {
    std::vector<int64_t> perm = node.attrs.get_ints("perm");
    if (!node.attrs.has("perm"))
      for (size_t k = x.rank(); k-- > 0;) perm.push_back(static_cast<int64_t>(k));
    return make_kernel(transpose_fn(x.dims(), perm, elem));
  }
  const int64_t b = node.attrs.get_int("blocksize", 1);
  const int64_t n = x[0], c = x[1], h = x[2], w = x[3];
  if (node.op == OpKind::kSpaceToDepth)
    return make_kernel(transpose_fn({n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4}, elem));
  if (node.attrs.get_string("mode", "DCR") == "CRD")
    return make_kernel(transpose_fn({n, c / (b * b), b, b, h, w}, {0, 1, 4, 2, 5, 3}, elem));
  return make_kernel(transpose_fn({n, b, b, c / (b * b), h, w}, {0, 3, 4, 1, 5, 2}, elem));
}

}  // namespace outpost
