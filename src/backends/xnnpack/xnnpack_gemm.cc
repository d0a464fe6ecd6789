// Gemm on XNNPACK's fully connected operator: y = a · b (+ c), a [rows, depth], b constant
// [units, depth] with transB or [depth, units] without (XNNPACK transposes it while packing, once),
// c absent or a constant row vector, no transA, alpha and beta 1, and the fused `activation` of
// TFLite's FULLY_CONNECTED. float32; uint8 (per-tensor weights with a zero point) and int8 with
// per-tensor symmetric weights (this XNNPACK has no per-channel fully connected operator; the
// reference backend runs those).
#include <cmath>
#include <cstdint>

#include "backends/ref/quantized_common.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {
namespace {

struct GemmShape {
  size_t rows, depth, units;
  uint32_t flags;  // XNN_FLAG_TRANSPOSE_WEIGHTS when b is [depth, units]
};

template <typename T>
SetupFn gemm_setup(size_t rows,
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

// The shape of the product, or kUnsupported for a Gemm this file does not run.
Result<GemmShape> gemm_shape(const Node& n, const Graph& g) {
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  if (!b.is_constant() || a.shape.rank() != 2 || b.shape.rank() != 2)
    return not_handled(g, n, "XNNPACK takes Gemm with constant 2-D weights");
  if (n.attrs.get_int("transA", 0) != 0 || n.attrs.get_float("alpha", 1.0f) != 1.0f)
    return not_handled(g, n, "XNNPACK takes Gemm without transA or alpha");
  const bool transposed_b = n.attrs.get_int("transB", 0) != 0;
  const int64_t rows = a.shape[0], depth = a.shape[1];
  const int64_t units = transposed_b ? b.shape[0] : b.shape[1];
  if ((transposed_b ? b.shape[1] : b.shape[0]) != depth || rows <= 0 || depth <= 0 || units <= 0)
    return not_handled(g, n, "the operands do not multiply");
  if (has_input(n, 2)) {
    const Value& c = input_of(g, n, 2);
    // C broadcast along rows only: [N] or [1, N], added as is.
    const bool row_vector = (c.shape.rank() == 1 && c.shape[0] == units) ||
                            (c.shape.rank() == 2 && c.shape[0] == 1 && c.shape[1] == units);
    if (!c.is_constant() || !row_vector || n.attrs.get_float("beta", 1.0f) != 1.0f)
      return not_handled(g, n, "XNNPACK takes Gemm with a constant row-vector C and beta 1");
  }
  if (b.dtype != a.dtype || output_of(g, n).dtype != a.dtype)
    return not_handled(g, n, "a, b and the output differ in dtype");
  return GemmShape{static_cast<size_t>(rows), static_cast<size_t>(depth),
                   static_cast<size_t>(units), transposed_b ? 0u : XNN_FLAG_TRANSPOSE_WEIGHTS};
}

Result<std::unique_ptr<Kernel>> make_float(const Node& n, const Graph& g, GemmShape s,
                                           pthreadpool_t pool) {
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kFloat32)
    return not_handled(g, n, "C is not float32");
  OUTPOST_ASSIGN_OR_RETURN(const OutputRange range, fused_output_range(n, g));
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_fully_connected_nc_f32(s.depth, s.units, s.depth, s.units,
                                        input_of(g, n, 1).constant_as<float>(),
                                        bias_of<float>(g, n), range.lo, range.hi, s.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), gemm_setup<float>(s.rows, xnn_setup_fully_connected_nc_f32), pool,
      /*packed=*/true));
}

Result<std::unique_ptr<Kernel>> make_quantized(const Node& n, const Graph& g, GemmShape s,
                                               pthreadpool_t pool) {
  const Value& x = input_of(g, n, 0);
  const Value& wv = input_of(g, n, 1);
  OUTPOST_ASSIGN_OR_RETURN(const PerTensorOperands q, per_tensor_operands(g, n));
  const quant::TensorQuant &xq = q.x, &wq = q.w, &yq = q.y;
  const quant::ActivationRange& act = q.act;
  xnn_operator_t op = nullptr;
  if (x.dtype == DType::kUInt8) {
    OUTPOST_RETURN_IF_ERROR(
        check_create(xnn_create_fully_connected_nc_qu8(
                         s.depth, s.units, s.depth, s.units, static_cast<uint8_t>(xq.zero_point),
                         xq.scale, static_cast<uint8_t>(wq.zero_point), wq.scale,
                         wv.constant_as<uint8_t>(), bias_of<int32_t>(g, n),
                         static_cast<uint8_t>(yq.zero_point), yq.scale,
                         static_cast<uint8_t>(act.min), static_cast<uint8_t>(act.max), s.flags, &op),
                     g, n));
    return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
        OperatorPtr(op), gemm_setup<uint8_t>(s.rows, xnn_setup_fully_connected_nc_qu8), pool,
        /*packed=*/true));
  }
  if (wq.zero_point != 0) return not_handled(g, n, "XNNPACK takes symmetric int8 weights only");
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_fully_connected_nc_qs8(
          s.depth, s.units, s.depth, s.units, static_cast<int8_t>(xq.zero_point), xq.scale,
          wq.scale, wv.constant_as<int8_t>(), bias_of<int32_t>(g, n),
          static_cast<int8_t>(yq.zero_point), yq.scale, static_cast<int8_t>(act.min),
          static_cast<int8_t>(act.max), s.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), gemm_setup<int8_t>(s.rows, xnn_setup_fully_connected_nc_qs8), pool,
      /*packed=*/true));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_gemm(const Node& n, const Graph& g, pthreadpool_t pool) {
  OUTPOST_ASSIGN_OR_RETURN(const GemmShape s, gemm_shape(n, g));
  switch (input_of(g, n, 0).dtype) {
    case DType::kFloat32:
      return make_float(n, g, s, pool);
    case DType::kUInt8:
    case DType::kInt8:
      return make_quantized(n, g, s, pool);
    default:
      return not_handled(g, n, "XNNPACK runs float32, uint8 and int8 Gemm");
  }
}

}  // namespace outpost::xnn
