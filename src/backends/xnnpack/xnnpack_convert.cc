// Quantize (float32 -> uint8/int8) and Dequantize (uint8/int8 -> float32) per tensor, in
// TFLite's form (the parameters on the values, not operands), on XNNPACK's convert operators:
// what TFLite's own XNNPACK path runs for QUANTIZE and DEQUANTIZE. XNNPACK multiplies by the
// reciprocal of the scale and rounds half to even where the built-in kernel divides and rounds
// half away from zero: at most one step apart, on values exactly between two steps.
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/ref/quantized_common.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {
namespace {

// The operator is made for one row of all the tensor's elements (XNNPACK converts a contiguous
// row in parallel tiles): a batch of one.
template <typename In, typename Out>
SetupFn convert_setup(xnn_status (*setup)(xnn_operator_t, size_t, const In*, Out*, pthreadpool_t)) {
  return [setup](xnn_operator_t op, std::span<const TensorView> in, std::span<const TensorView> out,
                 pthreadpool_t pool) { return setup(op, 1, in[0].as<const In>(), out[0].as<Out>(), pool); };
}

Result<std::unique_ptr<Kernel>> quantize(const Node& n, const Graph& g, size_t count, pthreadpool_t pool) {
  const Value& y = output_of(g, n);
  OUTPOST_ASSIGN_OR_RETURN(const quant::TensorQuant q, quant::per_tensor_quant(g, n, y, "output"));
  if (!(q.scale > 0.0f) || !std::isfinite(1.0f / q.scale))
    return not_handled(g, n, "a scale XNNPACK cannot take the reciprocal of");
  xnn_operator_t op = nullptr;
  if (y.dtype == DType::kUInt8) {
    if (q.zero_point < 0 || q.zero_point > 255) return not_handled(g, n, "a zero point outside uint8");
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_convert_nc_f32_qu8(count, count, count, q.scale, static_cast<uint8_t>(q.zero_point), 0,
                                      255, 0, &op),
        g, n));
    return operator_kernel(op, convert_setup<float, uint8_t>(xnn_setup_convert_nc_f32_qu8), pool);
  }
  if (q.zero_point < -128 || q.zero_point > 127) return not_handled(g, n, "a zero point outside int8");
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convert_nc_f32_qs8(count, count, count, q.scale, static_cast<int8_t>(q.zero_point), -128,
                                    127, 0, &op),
      g, n));
  return operator_kernel(op, convert_setup<float, int8_t>(xnn_setup_convert_nc_f32_qs8), pool);
}

Result<std::unique_ptr<Kernel>> dequantize(const Node& n, const Graph& g, size_t count, pthreadpool_t pool) {
  const Value& x = input_of(g, n, 0);
  OUTPOST_ASSIGN_OR_RETURN(const quant::TensorQuant q, quant::per_tensor_quant(g, n, x, "input"));
  xnn_operator_t op = nullptr;
  if (x.dtype == DType::kUInt8) {
    if (q.zero_point < 0 || q.zero_point > 255) return not_handled(g, n, "a zero point outside uint8");
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_convert_nc_qu8_f32(count, count, count, q.scale, static_cast<uint8_t>(q.zero_point), 0, &op),
        g, n));
    return operator_kernel(op, convert_setup<uint8_t, float>(xnn_setup_convert_nc_qu8_f32), pool);
  }
  if (q.zero_point < -128 || q.zero_point > 127) return not_handled(g, n, "a zero point outside int8");
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convert_nc_qs8_f32(count, count, count, q.scale, static_cast<int8_t>(q.zero_point), 0, &op),
      g, n));
  return operator_kernel(op, convert_setup<int8_t, float>(xnn_setup_convert_nc_qs8_f32), pool);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_convert(const Node& n, const Graph& g, pthreadpool_t pool) {
  if (has_input(n, 1)) return not_handled(g, n, "XNNPACK takes the parameters on the values only");
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  const size_t count = static_cast<size_t>(x.shape.num_elements().value_or(0));
  if (count == 0) return not_handled(g, n, "empty tensor");
  const auto integer = [](DType d) { return d == DType::kUInt8 || d == DType::kInt8; };
  if (n.op == OpKind::kQuantize && x.dtype == DType::kFloat32 && integer(y.dtype))
    return quantize(n, g, count, pool);
  if (n.op == OpKind::kDequantize && integer(x.dtype) && y.dtype == DType::kFloat32)
    return dequantize(n, g, count, pool);
  return not_handled(g, n, "XNNPACK converts between float32 and uint8/int8 only");
}

}  // namespace outpost::xnn
