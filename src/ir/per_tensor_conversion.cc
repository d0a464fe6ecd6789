#include "ir/per_tensor_conversion.h"

#include <cmath>
#include <cstring>

namespace outpost {
namespace {

bool is_8bit(DType d) { return d == DType::kUInt8 || d == DType::kInt8; }

bool is_scalar_constant(const Value& v, DType dtype) {
  return v.is_constant() && v.dtype == dtype && v.shape.num_elements() == 1 &&
         v.constant.bytes != nullptr && v.constant.size == dtype_size(dtype);
}

}  // namespace

std::optional<PerTensorConversion> per_tensor_conversion(const Graph& g, const Node& n) {
  if ((n.op != OpKind::kQuantize && n.op != OpKind::kDequantize) || n.inputs.empty() ||
      n.inputs[0] == kNoValue || n.outputs.size() != 1)
    return std::nullopt;
  const Value& x = g.value(n.inputs[0]);
  const Value& y = g.value(n.outputs[0]);
  const Value& integer = n.op == OpKind::kQuantize ? y : x;
  const Value& real = n.op == OpKind::kQuantize ? x : y;
  if (!is_8bit(integer.dtype) || real.dtype != DType::kFloat32) return std::nullopt;
  PerTensorConversion c;
  c.quantized = integer.dtype;
  const bool operands = n.inputs.size() > 1 && n.inputs[1] != kNoValue;
  if (operands) {
    const Value& scale = g.value(n.inputs[1]);
    if (!is_scalar_constant(scale, DType::kFloat32)) return std::nullopt;
    std::memcpy(&c.scale, scale.constant.bytes, sizeof c.scale);
    if (n.inputs.size() > 2 && n.inputs[2] != kNoValue) {
      const Value& zp = g.value(n.inputs[2]);
      if (!is_scalar_constant(zp, integer.dtype)) return std::nullopt;
      c.zero_point = integer.dtype == DType::kUInt8 ? int32_t{zp.constant.bytes[0]}
                                                    : int32_t{static_cast<int8_t>(zp.constant.bytes[0])};
    }
  } else {
    if (integer.quant.scale.size() != 1 || integer.quant.zero_point.size() != 1) return std::nullopt;
    c.scale = integer.quant.scale[0];
    const int64_t zp = integer.quant.zero_point[0];
    const int64_t lo = integer.dtype == DType::kUInt8 ? 0 : -128;
    if (zp < lo || zp > lo + 255) return std::nullopt;
    c.zero_point = static_cast<int32_t>(zp);
  }
  if (!(c.scale > 0.0f) || !std::isfinite(c.scale)) return std::nullopt;
  return c;
}

}  // namespace outpost
