// ReverseSequence: for each batch entry b, the first sequence_lens[b] steps along the time axis
// in reverse order, the steps after them as they are. Any dtype (element copies).
#include <algorithm>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {

using namespace onnx_ref;  // NOLINT: this file's helpers

Result<std::unique_ptr<Kernel>> make_onnx_reverse_sequence(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  // Shape inference has checked that the two axes are 0 and 1, one each.
  const bool batch_first = node.attrs.get_int("batch_axis", 1) == 0;
  const int64_t batch = x[batch_first ? 0 : 1], steps = x[batch_first ? 1 : 0];
  int64_t bytes = static_cast<int64_t>(dtype_size(input_of(graph, node, 0).dtype));
  for (size_t k = 2; k < x.rank(); ++k) bytes *= x[k];
  const auto offset = [=](int64_t b, int64_t t) {
    return (batch_first ? b * steps + t : t * batch + b) * bytes;
  };
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    for (int64_t b = 0; b < batch; ++b) {
      // The lengths are run-time data: one outside [0, steps] is clamped, never read past.
      const int64_t len = std::clamp<int64_t>(int_at(in[1].dtype, in[1].data, b), 0, steps);
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t from = t < len ? len - 1 - t : t;
        std::memcpy(dst + offset(b, t), src + offset(b, from), static_cast<size_t>(bytes));
      }
    }
  });
}

}  // namespace outpost
