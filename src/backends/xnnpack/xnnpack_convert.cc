// Quantize (float32 -> uint8/int8) and Dequantize (uint8/int8 -> float32) per tensor
// (ir/per_tensor_conversion.h: TFLite's form, or ONNX's with constant scalar operands) on
// XNNPACK's convert operators: what TFLite's own XNNPACK path runs for QUANTIZE and DEQUANTIZE.
// XNNPACK multiplies by the reciprocal of the scale and rounds half to even, where TFLite's
// built-in kernel divides and rounds half away from zero (ONNX's divides and rounds half to
// even): at most one step apart, on values exactly between two steps.
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>

#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"
#include "ir/per_tensor_conversion.h"

namespace outpost::xnn {
namespace {

// The operator is made for one row of all the tensor's elements (XNNPACK converts a contiguous
// row in parallel tiles): a batch of one.
template <typename In, typename Out>
SetupFn convert_setup(xnn_status (*setup)(xnn_operator_t, size_t, const In*, Out*, pthreadpool_t)) {
  return [setup](xnn_operator_t op, std::span<const TensorView> in, std::span<const TensorView> out,
                 pthreadpool_t pool) { return setup(op, 1, in[0].as<const In>(), out[0].as<Out>(), pool); };
}

Result<std::unique_ptr<Kernel>> quantize(const Node& n, const Graph& g, const PerTensorConversion& c,
                                         size_t count, pthreadpool_t pool) {
  if (!std::isfinite(1.0f / c.scale)) return not_handled(g, n, "a scale XNNPACK cannot take the reciprocal of");
  xnn_operator_t op = nullptr;
  if (c.quantized == DType::kUInt8) {
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_convert_nc_f32_qu8(count, count, count, c.scale, static_cast<uint8_t>(c.zero_point), 0, 255,
                                      0, &op),
        g, n));
    return operator_kernel(op, convert_setup<float, uint8_t>(xnn_setup_convert_nc_f32_qu8), pool);
  }
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convert_nc_f32_qs8(count, count, count, c.scale, static_cast<int8_t>(c.zero_point), -128, 127,
                                    0, &op),
      g, n));
  return operator_kernel(op, convert_setup<float, int8_t>(xnn_setup_convert_nc_f32_qs8), pool);
}

Result<std::unique_ptr<Kernel>> dequantize(const Node& n, const Graph& g, const PerTensorConversion& c,
                                           size_t count, pthreadpool_t pool) {
  xnn_operator_t op = nullptr;
  if (c.quantized == DType::kUInt8) {
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_convert_nc_qu8_f32(count, count, count, c.scale, static_cast<uint8_t>(c.zero_point), 0, &op),
        g, n));
    return operator_kernel(op, convert_setup<uint8_t, float>(xnn_setup_convert_nc_qu8_f32), pool);
  }
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convert_nc_qs8_f32(count, count, count, c.scale, static_cast<int8_t>(c.zero_point), 0, &op),
      g, n));
  return operator_kernel(op, convert_setup<int8_t, float>(xnn_setup_convert_nc_qs8_f32), pool);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_convert(const Node& n, const Graph& g, pthreadpool_t pool) {
  const std::optional<PerTensorConversion> c = per_tensor_conversion(g, n);
  if (!c) return not_handled(g, n, "XNNPACK converts between float32 and uint8/int8 with one scale and zero point");
  const size_t count = static_cast<size_t>(input_of(g, n, 0).shape.num_elements().value_or(0));
  if (count == 0) return not_handled(g, n, "empty tensor");
  return n.op == OpKind::kQuantize ? quantize(n, g, *c, count, pool) : dequantize(n, g, *c, count, pool);
}

}  // namespace outpost::xnn
