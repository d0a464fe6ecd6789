// Dequantize to float32: float16 (exact widening), and uint8/int8/int16 with per-tensor or
// per-channel parameters, real = scale * (q - zero_point).
#include <limits>

#include "backends/ref/float_kernel_factories.h"
#include "core/float16.h"

namespace outpost {
namespace {

void dequantize_half(std::span<const TensorView> inputs, std::span<const TensorView> outputs) {
  const auto* in = inputs[0].as<const uint16_t>();
  float* out = outputs[0].as<float>();
  const int64_t n = outputs[0].num_elements();
  for (int64_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
}

// The tensor is viewed as [outer, channels, inner]; per-tensor parameters are one channel.
template <typename Q>
class DequantizeKernel final : public Kernel {
 public:
  DequantizeKernel(int64_t outer, int64_t inner, std::vector<float> scale,
                   std::vector<int32_t> zero_point)
      : outer_(outer),
        inner_(inner),
        scale_(std::move(scale)),
        zero_point_(std::move(zero_point)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const Q* in = inputs[0].as<const Q>();
    float* out = outputs[0].as<float>();
    const int64_t channels = static_cast<int64_t>(scale_.size());
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t c = 0; c < channels; ++c) {
        const float scale = scale_[static_cast<size_t>(c)];
        const int32_t zp = zero_point_[static_cast<size_t>(c)];
        const int64_t base = (o * channels + c) * inner_;
        for (int64_t i = 0; i < inner_; ++i)
          out[base + i] = scale * static_cast<float>(static_cast<int32_t>(in[base + i]) - zp);
      }
    }
    return Status::ok();
  }

 private:
  int64_t outer_, inner_;
  std::vector<float> scale_;
  std::vector<int32_t> zero_point_;
};

template <typename Q>
Result<std::unique_ptr<Kernel>> make_integer(const Node& node, const Graph& graph) {
  const Value& in = input_of(graph, node, 0);
  const QuantParams& q = in.quant;
  if (q.empty() || q.zero_point.size() != q.scale.size())
    return not_handled(graph, node, "input '" + in.name + "' has no quantization parameters");
  const Shape& s = in.shape;
  int64_t outer = 1, inner = 1;
  if (q.per_channel()) {
    const int64_t rank = static_cast<int64_t>(s.rank());
    const int64_t axis = q.axis < 0 ? q.axis + rank : q.axis;
    if (axis < 0 || axis >= rank ||
        s[static_cast<size_t>(axis)] != static_cast<int64_t>(q.scale.size()))
      return invalid_model(graph.source + ": " + node.describe() + ": input '" + in.name +
                           "' has " + std::to_string(q.scale.size()) +
                           " per-channel scales on axis " + std::to_string(q.axis) + " of shape " +
                           s.to_string());
    for (int64_t k = 0; k < axis; ++k) outer *= s[static_cast<size_t>(k)];
    for (int64_t k = axis + 1; k < rank; ++k) inner *= s[static_cast<size_t>(k)];
  } else {
    inner = s.num_elements().value_or(0);
  }
  std::vector<int32_t> zero_point;
  for (int64_t zp : q.zero_point) {
    if (zp < std::numeric_limits<Q>::min() || zp > std::numeric_limits<Q>::max())
      return invalid_model(graph.source + ": " + node.describe() + ": input '" + in.name +
                           "' has zero point " + std::to_string(zp) + " outside its type's range");
    zero_point.push_back(static_cast<int32_t>(zp));
  }
  return std::unique_ptr<Kernel>(
      std::make_unique<DequantizeKernel<Q>>(outer, inner, q.scale, std::move(zero_point)));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_dequantize(const Node& node, const Graph& graph) {
  if (has_input(node, 1))
    return not_handled(graph, node, "its parameters are operands (the general kernel)");
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {}));
  switch (input_of(graph, node, 0).dtype) {
    case DType::kFloat16:
      return std::unique_ptr<Kernel>(std::make_unique<FnKernel>(dequantize_half));
    case DType::kUInt8:
      return make_integer<uint8_t>(node, graph);
    case DType::kInt8:
      return make_integer<int8_t>(node, graph);
    case DType::kInt16:
      return make_integer<int16_t>(node, graph);
    default:
      return not_handled(
          graph, node,
          std::string("cannot dequantize ") + dtype_name(input_of(graph, node, 0).dtype));
  }
}

}  // namespace outpost
