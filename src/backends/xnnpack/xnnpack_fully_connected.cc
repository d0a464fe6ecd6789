// FullyConnected on XNNPACK: float32, uint8 (per-tensor weights with a zero point) and int8
// with per-tensor symmetric weights (this XNNPACK has no per-channel fully connected operator;
// the reference backend runs those). Weights [O, I] are packed here, once.
#include <cmath>
#include <cstdint>

#include "backends/ref/quantized_common.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {
namespace {

struct Sizes {
  size_t rows, in, out;
};

template <typename T>
SetupFn fc_setup(size_t rows,
                 xnn_status (*setup)(xnn_operator_t, size_t, const T*, T*, pthreadpool_t)) {
  return [=](xnn_operator_t op, std::span<const TensorView> in, std::span<const TensorView> out,
             pthreadpool_t pool) {
    return setup(op, rows, in[0].as<const T>(), out[0].as<T>(), pool);
  };
}

template <typename T>
const T* bias_of(const Graph& g, const Node& n) {
  return has_input(n, 2) ? input_of(g, n, 2).constant_as<T>() : nullptr;
}

Result<std::unique_ptr<Kernel>> make_float(const Node& n, const Graph& g, Sizes s,
                                           pthreadpool_t pool) {
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kFloat32)
    return not_handled(g, n, "the bias is not float32");
  OUTPOST_ASSIGN_OR_RETURN(const OutputRange range, fused_output_range(n, g));
  const float lo = range.lo, hi = range.hi;
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(
      check_create(xnn_create_fully_connected_nc_f32(s.in, s.out, s.in, s.out,
                                                     input_of(g, n, 1).constant_as<float>(),
                                                     bias_of<float>(g, n), lo, hi, 0, &op),
                   g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), fc_setup<float>(s.rows, xnn_setup_fully_connected_nc_f32), pool));
}

Result<std::unique_ptr<Kernel>> make_quantized(const Node& n, const Graph& g, Sizes s,
                                               pthreadpool_t pool) {
  const Value& x = input_of(g, n, 0);
  const Value& wv = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto wq, quant::per_tensor_quant(g, n, wv, "weights"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(auto act, quant::fused_activation_range(g, n, y, yq));
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "the bias is not int32");
  const int32_t lo = x.dtype == DType::kUInt8 ? 0 : -128, hi = lo + 255;
  auto in_range = [&](int32_t v) { return v >= lo && v <= hi; };
  if (!in_range(xq.zero_point) || !in_range(wq.zero_point) || !in_range(yq.zero_point))
    return not_handled(g, n, "a zero point is outside the dtype's range");
  OUTPOST_RETURN_IF_ERROR(check_requantization_scales(g, n, xq.scale, {wq.scale}, yq.scale));
  xnn_operator_t op = nullptr;
  if (x.dtype == DType::kUInt8) {
    OUTPOST_RETURN_IF_ERROR(
        check_create(xnn_create_fully_connected_nc_qu8(
                         s.in, s.out, s.in, s.out, static_cast<uint8_t>(xq.zero_point), xq.scale,
                         static_cast<uint8_t>(wq.zero_point), wq.scale, wv.constant_as<uint8_t>(),
                         bias_of<int32_t>(g, n), static_cast<uint8_t>(yq.zero_point), yq.scale,
                         static_cast<uint8_t>(act.min), static_cast<uint8_t>(act.max), 0, &op),
                     g, n));
    return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
        OperatorPtr(op), fc_setup<uint8_t>(s.rows, xnn_setup_fully_connected_nc_qu8), pool));
  }
  if (wq.zero_point != 0) return not_handled(g, n, "XNNPACK takes symmetric int8 weights only");
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_fully_connected_nc_qs8(
          s.in, s.out, s.in, s.out, static_cast<int8_t>(xq.zero_point), xq.scale, wq.scale,
          wv.constant_as<int8_t>(), bias_of<int32_t>(g, n), static_cast<int8_t>(yq.zero_point),
          yq.scale, static_cast<int8_t>(act.min), static_cast<int8_t>(act.max), 0, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), fc_setup<int8_t>(s.rows, xnn_setup_fully_connected_nc_qs8), pool));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_fully_connected(const Node& n, const Graph& g,
                                                     pthreadpool_t pool) {
  if (!input_of(g, n, 1).is_constant()) return not_handled(g, n, "the weights are not constant");
  if (has_input(n, 2) && !input_of(g, n, 2).is_constant())
    return not_handled(g, n, "the bias is not constant");
  const Value& x = input_of(g, n, 0);
  const Shape& w = input_of(g, n, 1).shape;
  if (w.rank() != 2 || w[0] <= 0 || w[1] <= 0)
    return not_handled(g, n, "the weights are not [O, I]");
  const int64_t elements = x.shape.num_elements().value_or(-1);
  if (elements < 0 || elements % w[1] != 0)
    return not_handled(g, n, "the input is not rows of I values");
  if (has_input(n, 2) && input_of(g, n, 2).shape.num_elements().value_or(-1) != w[0])
    return not_handled(g, n, "the bias does not have O values");
  const Sizes s{static_cast<size_t>(elements / w[1]), static_cast<size_t>(w[1]),
                static_cast<size_t>(w[0])};
  if (input_of(g, n, 1).dtype != x.dtype || output_of(g, n).dtype != x.dtype)
    return not_handled(g, n, "input, weights and output differ in dtype");
  switch (x.dtype) {
    case DType::kFloat32:
      return make_float(n, g, s, pool);
    case DType::kUInt8:
    case DType::kInt8:
      return make_quantized(n, g, s, pool);
    default:
      return not_handled(g, n, "XNNPACK runs float32, uint8 and int8 fully connected layers");
  }
}

Result<std::unique_ptr<Kernel>> make_onnx_gemm(const Node& n, const Graph& g, pthreadpool_t pool) {
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  if (a.dtype != DType::kFloat32 || b.dtype != DType::kFloat32 || y.dtype != DType::kFloat32)
    return not_handled(g, n, "XNNPACK runs float32 Gemm only");
  if (!b.is_constant() || a.shape.rank() != 2 || b.shape.rank() != 2)
    return not_handled(g, n, "XNNPACK takes Gemm with constant 2-D weights");
  if (n.attrs.get_int("transA", 0) != 0 || n.attrs.get_float("alpha", 1.0f) != 1.0f)
    return not_handled(g, n, "XNNPACK takes Gemm without transA or alpha");
  const bool transposed_b = n.attrs.get_int("transB", 0) != 0;
  const int64_t rows = a.shape[0], depth = a.shape[1];
  const int64_t units = transposed_b ? b.shape[0] : b.shape[1];
  if ((transposed_b ? b.shape[1] : b.shape[0]) != depth || rows <= 0 || depth <= 0 || units <= 0)
    return not_handled(g, n, "the operands do not multiply");
  const float* bias = nullptr;
  if (has_input(n, 2)) {
    const Value& c = input_of(g, n, 2);
    // C broadcast along rows only: [N] or [1, N], added as is.
    const bool row_vector = (c.shape.rank() == 1 && c.shape[0] == units) ||
                            (c.shape.rank() == 2 && c.shape[0] == 1 && c.shape[1] == units);
    if (c.dtype != DType::kFloat32 || !c.is_constant() || !row_vector ||
        n.attrs.get_float("beta", 1.0f) != 1.0f)
      return not_handled(g, n, "XNNPACK takes Gemm with a constant row-vector C and beta 1");
    bias = c.constant_as<float>();
  }
  xnn_operator_t op = nullptr;
  // Weights [N, K] are XNNPACK's layout; [K, N] (no transB) it transposes while packing.
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_fully_connected_nc_f32(static_cast<size_t>(depth), static_cast<size_t>(units),
                                        static_cast<size_t>(depth), static_cast<size_t>(units),
                                        b.constant_as<float>(), bias, -INFINITY, INFINITY,
                                        transposed_b ? 0 : XNN_FLAG_TRANSPOSE_WEIGHTS, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), fc_setup<float>(static_cast<size_t>(rows), xnn_setup_fully_connected_nc_f32),
      pool));
}

}  // namespace outpost::xnn
