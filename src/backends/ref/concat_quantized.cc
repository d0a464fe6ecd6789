// Quantized Concat whose inputs need requantizing to the output's parameters (uint8, int8).
// Inputs that already share the output's scale and zero point are copied; the others are
// rescaled in float as TFLite's ConcatenationWithScaling does:
// q' = round(q * s + b) + zp' with s = input_scale * (1 / output_scale), b = -zp * s, saturated.
// When every input matches the output, this factory declines: the byte-copy concat serves it.
#include <cmath>
#include <vector>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

struct ConcatInput {
  int64_t extent = 0;  // along the axis, times the inner size
  bool copy = true;
  float scale = 1.0f;
  float bias = 0.0f;
};

template <typename T>
class ConcatQuantized final : public Kernel {
 public:
  ConcatQuantized(std::vector<ConcatInput> parts, int64_t outer, int32_t output_zero_point)
      : parts_(std::move(parts)), outer_(outer), output_zero_point_(output_zero_point) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    T* y = outputs[0].as<T>();
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t i = 0; i < parts_.size(); ++i) {
        const ConcatInput& p = parts_[i];
        const T* x = inputs[i].as<const T>() + o * p.extent;
        for (int64_t j = 0; j < p.extent; ++j) {
          if (p.copy) {
            y[j] = x[j];
          } else {
            y[j] = quant::saturate_with_zero_point<T>(
                quant::round_half_away(static_cast<float>(x[j]) * p.scale + p.bias),
                output_zero_point_);
          }
        }
        y += p.extent;
      }
    }
    return Status::ok();
  }

 private:
  std::vector<ConcatInput> parts_;
  int64_t outer_;
  int32_t output_zero_point_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_concat_quantized(const Node& n, const Graph& g) {
  const Value& y = output_of(g, n);
  if (!quant::is_quantized_8bit(y.dtype)) return not_handled(g, n, "output is not uint8/int8");
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  const int64_t rank = static_cast<int64_t>(y.shape.rank());
  int64_t axis = n.attrs.get_int("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return not_handled(g, n, "axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= y.shape[static_cast<size_t>(k)];
  for (int64_t k = axis + 1; k < rank; ++k) inner *= y.shape[static_cast<size_t>(k)];
  const float inverse_output_scale = 1.0f / yq.scale;
  std::vector<ConcatInput> parts;
  bool any_rescale = false;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const Value& x = input_of(g, n, i);
    if (x.dtype != y.dtype) return not_handled(g, n, "quantized Concat needs one 8-bit type");
    OUTPOST_ASSIGN_OR_RETURN(auto xq,
                             quant::per_tensor_quant(g, n, x, "input " + std::to_string(i)));
    ConcatInput p;
    p.extent = x.shape[static_cast<size_t>(axis)] * inner;
    p.copy = xq.scale == yq.scale && xq.zero_point == yq.zero_point;
    p.scale = xq.scale * inverse_output_scale;
    p.bias = -static_cast<float>(xq.zero_point) * p.scale;
    any_rescale = any_rescale || !p.copy;
    parts.push_back(p);
  }
  if (!any_rescale)
    return not_handled(g, n, "no input needs requantizing (the byte-copy concat serves it)");
  if (n.attrs.get_string("activation", "none") != "none")
    return not_handled(g, n, "a fused activation on a quantized concat");
  if (y.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(
        std::make_unique<ConcatQuantized<uint8_t>>(std::move(parts), outer, yq.zero_point));
  return std::unique_ptr<Kernel>(
      std::make_unique<ConcatQuantized<int8_t>>(std::move(parts), outer, yq.zero_point));
}

}  // namespace outpost
