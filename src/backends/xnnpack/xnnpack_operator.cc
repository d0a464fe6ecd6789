#include "backends/xnnpack/xnnpack_operator.h"

#include <cmath>

#include "backends/ref/activation.h"

namespace outpost::xnn {

std::string status_name(xnn_status status) {
  switch (status) {
    case xnn_status_success:
      return "success";
    case xnn_status_uninitialized:
      return "XNNPACK is not initialized";
    case xnn_status_invalid_parameter:
      return "invalid parameter";
    case xnn_status_invalid_state:
      return "invalid state";
    case xnn_status_unsupported_parameter:
      return "unsupported parameter";
    case xnn_status_unsupported_hardware:
      return "unsupported hardware";
    case xnn_status_out_of_memory:
      return "out of memory";
  }
  return "status " + std::to_string(static_cast<int>(status));
}

Status check_create(xnn_status status, const Graph& g, const Node& n) {
  if (status == xnn_status_success) return Status::ok();
  if (status == xnn_status_out_of_memory)
    return internal_error(g.source + ": " + n.describe() +
                          ": XNNPACK ran out of memory packing the weights");
  return not_handled(g, n, "XNNPACK refuses it (" + status_name(status) + ")");
}

Status check_requantization_scales(const Graph& g, const Node& n, float input_scale,
                                   const std::vector<float>& weight_scales, float output_scale) {
  for (float weight_scale : weight_scales) {
    const double scale = static_cast<double>(input_scale) * weight_scale / output_scale;
    if (!(scale >= 0x1.0p-32 && scale < 256.0))
      return not_handled(g, n, "XNNPACK takes requantization scales in [2^-32, 256) only");
  }
  return Status::ok();
}

Result<PerTensorOperands> per_tensor_operands(const Graph& g, const Node& n) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  PerTensorOperands q;
  OUTPOST_ASSIGN_OR_RETURN(q.x, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(q.w, quant::per_tensor_quant(g, n, input_of(g, n, 1), "weights"));
  OUTPOST_ASSIGN_OR_RETURN(q.y, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(q.act, quant::fused_activation_range(g, n, y, q.y));
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "the bias is not int32");
  const int32_t lo = x.dtype == DType::kUInt8 ? 0 : -128, hi = lo + 255;
  auto in_range = [&](int32_t v) { return v >= lo && v <= hi; };
  if (!in_range(q.x.zero_point) || !in_range(q.w.zero_point) || !in_range(q.y.zero_point))
    return not_handled(g, n, "a zero point is outside the dtype's range");
  OUTPOST_RETURN_IF_ERROR(check_requantization_scales(g, n, q.x.scale, {q.w.scale}, q.y.scale));
  return q;
}

Result<OutputRange> fused_output_range(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(n, g));
  switch (act) {
    case FusedActivation::kNone:
      return OutputRange{-INFINITY, INFINITY};
    case FusedActivation::kRelu:
      return OutputRange{0.0f, INFINITY};
    case FusedActivation::kRelu6:
      return OutputRange{0.0f, 6.0f};
    case FusedActivation::kReluN1To1:
      return OutputRange{-1.0f, 1.0f};
    case FusedActivation::kTanh:
      break;
  }
  return not_handled(g, n, "XNNPACK cannot fuse tanh");
}

Status OperatorKernel::bind(std::span<const TensorView> inputs,
                            std::span<const TensorView> outputs) {
  const xnn_status s = setup_(op_.get(), inputs, outputs, pool_);
  if (s != xnn_status_success) return internal_error("XNNPACK setup failed: " + status_name(s));
  return Status::ok();
}

// The operator reads and writes the buffers bind() gave it (a session never moves them).
Status OperatorKernel::run(std::span<const TensorView>, std::span<const TensorView>) {
  const xnn_status s = xnn_run_operator(op_.get(), pool_);
  if (s != xnn_status_success) return internal_error("XNNPACK run failed: " + status_name(s));
  return Status::ok();
}

}  // namespace outpost::xnn
