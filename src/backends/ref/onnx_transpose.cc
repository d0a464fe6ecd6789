// Transpose, and NCHW DepthToSpace (both modes; the NHWC one is depth_to_space.cc's) and
// SpaceToDepth written as a reshape + transpose (as the ONNX specification defines them), as
// element copies of any dtype.
#include <algorithm>
#include <cstdint>
#include <optional>

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

// out[b][c][r] = in[b][r][c] for `batches` rows x cols matrices, in 32 x 32 tiles so that both
// the strided reads and the strided writes stay within a few cache lines: the NCHW <-> NHWC
// transposes the layout pass inserts are this shape.
template <typename T>
void transpose_matrices(const T* in, T* out, int64_t batches, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 32;
  for (int64_t b = 0; b < batches; ++b, in += rows * cols, out += rows * cols)
    for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = c0; c < c1; ++c) out[c * rows + r] = in[r * cols + c];
      }
    }
}

template <typename T>
RunFn matrix_transpose_fn(int64_t batches, int64_t rows, int64_t cols) {
  return [=](std::span<const TensorView> in, std::span<const TensorView> out) {
    transpose_matrices(static_cast<const T*>(in[0].data), static_cast<T*>(out[0].data), batches,
                       rows, cols);
  };
}

template <typename T>
std::optional<RunFn> matrix_transpose_of(const std::vector<int64_t>& dims, const std::vector<int64_t>& perm) {
  if (perm == std::vector<int64_t>{1, 0}) return matrix_transpose_fn<T>(1, dims[0], dims[1]);
  if (perm == std::vector<int64_t>{0, 2, 1}) return matrix_transpose_fn<T>(dims[0], dims[1], dims[2]);
  return std::nullopt;
}

// A transpose that, coalesced, swaps the two inner dimensions, of 1-, 2-, 4- or 8-byte elements
// (the uint8/int8 ones: a QDQ model's quantized input made channels-last).
std::optional<RunFn> matrix_transpose(const std::vector<int64_t>& dims,
                                      const std::vector<int64_t>& perm, size_t elem) {
  switch (elem) {
    case 1: return matrix_transpose_of<uint8_t>(dims, perm);
    case 2: return matrix_transpose_of<uint16_t>(dims, perm);
    case 4: return matrix_transpose_of<uint32_t>(dims, perm);
    case 8: return matrix_transpose_of<uint64_t>(dims, perm);
    default: return std::nullopt;
  }
}

// Copies `in` (of shape `dims`) permuted by `perm` into out: whole rows when the innermost
// dimension stays innermost, element by element otherwise.
RunFn transpose_fn(std::vector<int64_t> dims, std::vector<int64_t> perm, size_t elem) {
  if (!dims.empty()) coalesce(dims, perm);
  if (auto matrices = matrix_transpose(dims, perm, elem)) return *matrices;
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
