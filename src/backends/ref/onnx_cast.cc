// Cast and CastLike between float32/float64/float16/bfloat16, the integer types and bool. Float to
// integer saturates (and NaN gives 0) instead of invoking undefined behaviour on hostile data.
#include <cmath>
#include <limits>
#include <type_traits>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"
#include "core/bfloat16.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

template <typename F>
bool visit_castable(DType d, F&& f) {
  if (d == DType::kBool) {
    f(Tag<bool>{});
    return true;
  }
  return visit_numeric(d, f);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_cast(const Node& node, const Graph& graph) {
  const DType from = input_of(graph, node, 0).dtype;
  const DType to = output_of(graph, node).dtype;
  if (from == to)
    return make_kernel([](std::span<const TensorView> in, std::span<const TensorView> out) {
      const size_t bytes = static_cast<size_t>(out[0].num_elements()) * dtype_size(out[0].dtype);
      if (bytes) std::memcpy(out[0].data, in[0].data, bytes);
    });
  RunFn fn;
  // float16 and bfloat16 travel through float32 on either side.
  const auto is_16 = [](DType d) { return d == DType::kFloat16 || d == DType::kBFloat16; };
  const DType src = is_16(from) ? DType::kFloat32 : from;
  const DType dst = is_16(to) ? DType::kFloat32 : to;
  const bool half_in = from == DType::kFloat16, half_out = to == DType::kFloat16;
  const bool bf16_in = from == DType::kBFloat16, bf16_out = to == DType::kBFloat16;
  const bool ok = visit_castable(src, [&](auto ta) {
    using A = typename decltype(ta)::type;
    visit_castable(dst, [&](auto tb) {
      using B = typename decltype(tb)::type;
      fn = [half_in, half_out, bf16_in, bf16_out](std::span<const TensorView> in,
                                                  std::span<const TensorView> out) {
        const int64_t n = out[0].num_elements();
        for (int64_t i = 0; i < n; ++i) {
          double v;
          if (half_in)
            v = half_to_float(in[0].as<const uint16_t>()[i]);
          else if (bf16_in)
            v = bfloat16_to_float(in[0].as<const uint16_t>()[i]);
          else
            v = static_cast<double>(in[0].as<const A>()[i]);
          if (half_out)
            out[0].as<uint16_t>()[i] = float_to_half(static_cast<float>(v));
          else if (bf16_out)
            out[0].as<uint16_t>()[i] = float_to_bfloat16(static_cast<float>(v));
          else
            out[0].as<B>()[i] = from_double<B>(v);
        }
      };
    });
  });
  if (!ok || !fn)
    return not_handled(graph, node,
                       std::string("Cast from ") + dtype_name(from) + " to " + dtype_name(to) +
                           " is not supported");
  return make_kernel(std::move(fn));
}

}  // namespace outpost
