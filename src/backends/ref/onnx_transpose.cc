// Transpose, and the NCHW OnnxDepthToSpace / SpaceToDepth written as a reshape + transpose
// (as the ONNX specification defines them), as element copies of any dtype.
#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// Copies `in` (of shape `dims`) permuted by `perm` into out, element by element.
RunFn transpose_fn(std::vector<int64_t> dims, std::vector<int64_t> perm, size_t elem) {
  const std::vector<int64_t> in_stride = strides_of(Shape(dims));
  std::vector<int64_t> out_dims, stride;  // per output dimension: extent and input stride
  for (int64_t p : perm) {
    out_dims.push_back(dims[static_cast<size_t>(p)]);
    stride.push_back(in_stride[static_cast<size_t>(p)]);
  }
  return [out_dims, stride, elem](std::span<const TensorView> in, std::span<const TensorView> out) {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    const int64_t total = out[0].num_elements();
    std::array<int64_t, kMaxRank> index{};
    int64_t off = 0;
    const size_t rank = out_dims.size();
    for (int64_t i = 0; i < total; ++i) {
      std::memcpy(dst + i * static_cast<int64_t>(elem), src + off * static_cast<int64_t>(elem),
                  elem);
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
