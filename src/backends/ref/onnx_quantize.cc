// Quantize and Dequantize with operand parameters (ONNX's QuantizeLinear: float32 or int32 ->
// int8/uint8, round(x / scale) half to even, plus the zero point, saturated; DequantizeLinear:
// (x - zero_point) * scale), both per tensor or per entry of `axis`, and DynamicQuantizeLinear (uint8 over [min(x, 0), max(x, 0)]).
#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// For element i, the index of its scale: (i / inner) % extent per axis, 0 per tensor.
struct ParamIndex {
  int64_t inner = 1, extent = 1;
  bool per_axis = false;
  int64_t at(int64_t i) const { return per_axis ? (i / inner) % extent : 0; }
};

ParamIndex param_index(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  ParamIndex p;
  if (input_of(graph, node, 1).shape.num_elements().value_or(1) == 1) return p;
  int64_t axis = node.attrs.get_int("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  p.per_axis = true;
  p.extent = x[static_cast<size_t>(axis)];
  for (size_t k = static_cast<size_t>(axis) + 1; k < x.rank(); ++k) p.inner *= x[k];
  return p;
}

Result<std::unique_ptr<Kernel>> make_quantize(const Node& node, const Graph& graph) {
  const ParamIndex p = param_index(node, graph);
  const bool float_in = input_of(graph, node, 0).dtype == DType::kFloat32;
  RunFn fn;
  if (!visit_q8(output_of(graph, node).dtype, [&](auto tag) {
        using Q = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const int64_t total = in[0].num_elements();
          const float* scale = in[1].as<const float>();
          const TensorView zp = in.size() > 2 ? in[2] : TensorView{};
          for (int64_t i = 0; i < total; ++i) {
            const int64_t c = p.at(i);
            // As the ONNX reference: the quotient in float32 for float32 input.
            const double scaled =
                float_in ? static_cast<double>(in[0].as<const float>()[i] / scale[c])
                         : static_cast<double>(in[0].as<const int32_t>()[i]) / scale[c];
            out[0].as<Q>()[i] = saturate_round<Q>(scaled, q_at(zp, c));
          }
        };
      }))
    return unsupported_dtype(graph, node, output_of(graph, node).dtype);
  return make_kernel(std::move(fn));
}

Result<std::unique_ptr<Kernel>> make_dequantize(const Node& node, const Graph& graph) {
  const ParamIndex p = param_index(node, graph);
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const int64_t total = in[0].num_elements();
    const float* scale = in[1].as<const float>();
    const TensorView zp = in.size() > 2 ? in[2] : TensorView{};
    for (int64_t i = 0; i < total; ++i) {
      const int64_t c = p.at(i);
      out[0].as<float>()[i] =
          static_cast<float>(static_cast<double>(q_at(in[0], i) - q_at(zp, c)) * scale[c]);
    }
  });
}

Result<std::unique_ptr<Kernel>> make_dynamic_quantize(const Node&, const Graph&) {
  return make_kernel([](std::span<const TensorView> in, std::span<const TensorView> out) {
    const int64_t total = in[0].num_elements();
    const float* x = in[0].as<const float>();
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < total; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    const float scale = (hi - lo) / 255.0f;  // in float32, as the ONNX reference
    uint8_t zp = 0;
    if (scale > 0 && std::isfinite(scale)) zp = saturate_round<uint8_t>(-lo / scale, 0);
    for (int64_t i = 0; i < total; ++i)
      out[0].as<uint8_t>()[i] =
          scale > 0 && std::isfinite(scale) ? saturate_round<uint8_t>(x[i] / scale, zp) : zp;
    out[1].as<float>()[0] = scale;
    out[2].as<uint8_t>()[0] = zp;
  });
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_quantize(const Node& node, const Graph& graph) {
  switch (node.op) {
    case OpKind::kQuantize:
      if (!has_input(node, 1)) return not_handled(graph, node, "its parameters are the values' (TFLite's kernel)");
      if (node.attrs.get_string("rounding", "half_to_even") != "half_to_even")
        return not_handled(graph, node, "operand scales round half to even only");
      return make_quantize(node, graph);
    case OpKind::kDequantize:
      if (!has_input(node, 1)) return not_handled(graph, node, "its parameters are the values' (TFLite's kernel)");
      return make_dequantize(node, graph);
    default:
      return make_dynamic_quantize(node, graph);
  }
}

}  // namespace outpost
