#include "backends/ref/quantized_common.h"

#include <cmath>

namespace outpost::quant {

Result<TensorQuant> per_tensor_quant(const Graph& g, const Node& n, const Value& value,
                                     const std::string& role) {
  const QuantParams& q = value.quant;
  if (q.empty())
    return not_handled(g, n,
                       role + " '" + value.name + "' (" + dtype_name(value.dtype) +
                           ") has no quantization parameters");
  if (q.per_channel())
    return not_handled(g, n,
                       role + " '" + value.name + "' is quantized per channel (" + q.to_string() +
                           "); only its weights may be");
  const float scale = q.scale[0];
  if (!(scale > 0.0f) || !std::isfinite(scale))
    return not_handled(g, n, role + " '" + value.name + "' has an invalid scale " + q.to_string());
  TensorQuant t;
  t.scale = scale;
  t.zero_point = q.zero_point.empty() ? 0 : static_cast<int32_t>(q.zero_point[0]);
  if (t.zero_point < qmin(value.dtype) || t.zero_point > qmax(value.dtype))
    return not_handled(g, n,
                       role + " '" + value.name + "' has zero point " +
                           std::to_string(t.zero_point) + " outside the range of " +
                           dtype_name(value.dtype));
  return t;
}

Result<BinaryQuant> binary_quant(const Graph& g, const Node& n, const std::string& op,
                                 bool takes_int16) {
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  const bool int16 = takes_int16 && y.dtype == DType::kInt16;
  if (!is_quantized_8bit(y.dtype) && !int16)
    return not_handled(g, n,
                       std::string("output is not uint8/int8") + (takes_int16 ? "/int16" : ""));
  if (a.dtype != y.dtype || b.dtype != y.dtype)
    return not_handled(g, n, "quantized " + op + " needs inputs and output of one quantized type");
  BinaryQuant q;
  OUTPOST_ASSIGN_OR_RETURN(q.a, per_tensor_quant(g, n, a, "input 0"));
  OUTPOST_ASSIGN_OR_RETURN(q.b, per_tensor_quant(g, n, b, "input 1"));
  OUTPOST_ASSIGN_OR_RETURN(q.y, per_tensor_quant(g, n, y, "output"));
  // TFLite quantizes int16 activations symmetrically and its int16 kernels require it.
  if (int16 && (q.a.zero_point != 0 || q.b.zero_point != 0 || q.y.zero_point != 0))
    return not_handled(g, n, "int16 " + op + " needs zero points 0 (TFLite's)");
  OUTPOST_ASSIGN_OR_RETURN(q.act, fused_activation_range(g, n, y, q.y));
  return q;
}

Status fixed_point_requantization(const Graph& g, const Node& n) {
  const std::string how = n.attrs.get_string("requantize", "fixed_point");
  if (how != "fixed_point")
    return not_handled(g, n, "requantize '" + how + "' is not TFLite's fixed point");
  return Status::ok();
}

Result<ActivationRange> fused_activation_range(const Graph& g, const Node& n, const Value& output,
                                               const TensorQuant& output_quant) {
  const std::string activation = n.attrs.get_string("activation", "none");
  auto range =
      activation_range(activation, output.dtype, output_quant.scale, output_quant.zero_point);
  if (!range.is_ok()) return not_handled(g, n, range.status().message());
  if (range->min > range->max)
    return not_handled(g, n, "fused activation '" + activation + "' leaves an empty output range");
  return range;
}

Result<std::vector<QuantizedMultiplier>> conv_output_multipliers(
    const Graph& g, const Node& n, DType input_dtype, const TensorQuant& input_quant,
    const Value& weights, int channel_axis, int64_t channels, const TensorQuant& output_quant,
    bool float_product_per_tensor) {
  const QuantParams& wq = weights.quant;
  if (wq.empty())
    return not_handled(g, n, "weights '" + weights.name + "' have no quantization parameters");
  if (wq.per_channel()) {
    if (input_dtype != DType::kInt8 && input_dtype != DType::kInt16)
      return not_handled(g, n, "per-channel weights need int8 or int16 inputs");
    if (static_cast<int64_t>(wq.scale.size()) != channels || wq.axis != channel_axis)
      return not_handled(g, n,
                         "weights '" + weights.name + "' are quantized along axis " +
                             std::to_string(wq.axis) + " with " + std::to_string(wq.scale.size()) +
                             " scales; expected " + std::to_string(channels) + " along axis " +
                             std::to_string(channel_axis));
  }
  std::vector<QuantizedMultiplier> out(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const float w_scale = wq.scale[wq.per_channel() ? static_cast<size_t>(c) : 0];
    if (!(w_scale >= 0.0f) || !std::isfinite(w_scale))
      return not_handled(g, n, "weights '" + weights.name + "' have an invalid scale");
    double real = 0.0;
    if (float_product_per_tensor && !wq.per_channel()) {
      // The product is taken in float, as TFLite's GetQuantizedConvolutionMultipler does.
      const float product = input_quant.scale * w_scale;
      real = static_cast<double>(product) / static_cast<double>(output_quant.scale);
    } else {
      real = static_cast<double>(input_quant.scale) * static_cast<double>(w_scale) /
             static_cast<double>(output_quant.scale);
    }
    OUTPOST_ASSIGN_OR_RETURN(
        out[static_cast<size_t>(c)],
        bounded_multiplier(g, n, real,
                           "output multiplier of channel " + std::to_string(c) +
                               " (input scale x weight scale / output scale)"));
  }
  return out;
}

Result<QuantizedMultiplier> bounded_multiplier(const Graph& g, const Node& n, double real,
                                               const std::string& what) {
  // An infinite or NaN ratio (a huge attribute, a scale near 0) has no fixed-point form
  // (fuzz_tflite crash-25b2d49e: a LEAKY_RELU whose alpha made it infinite).
  if (!std::isfinite(real))
    return invalid_model(g.source + ": " + n.describe() + ": the " + what + " = " +
                         std::to_string(real) + " is not a finite number; the model's " +
                         "quantization scales or attributes are corrupt");
  const QuantizedMultiplier m = quantize_multiplier(real);
  if (m.shift > 30)
    return invalid_model(g.source + ": " + n.describe() + ": the " + what + " = " +
                         std::to_string(real) +
                         " is out of range (2^30 or more); the model's quantization scales are "
                         "corrupt");
  return m;
}

Result<std::vector<int32_t>> weight_zero_points(const Graph& g, const Node& n, const Value& weights,
                                                int64_t channels) {
  const auto& zp = weights.quant.zero_point;
  std::vector<int32_t> out(static_cast<size_t>(channels), 0);
  for (int64_t c = 0; c < channels; ++c) {
    if (zp.empty()) break;
    const size_t i = static_cast<size_t>(c);
    const int64_t z = zp.size() > i ? zp[i] : zp[0];
    if (z < qmin(weights.dtype) || z > qmax(weights.dtype))
      return not_handled(g, n,
                         "weights '" + weights.name + "' have zero point " + std::to_string(z) +
                             " outside the range of " + dtype_name(weights.dtype));
    out[i] = static_cast<int32_t>(z);
  }
  return out;
}

namespace {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  const size_t rank = out.rank();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t k = in.rank(); k-- > 0;) {
    const size_t o = k + (rank - in.rank());
    strides[o] = in[k] == 1 ? 0 : stride;
    stride *= in[k];
  }
  return strides;
}

}  // namespace

Broadcast2 Broadcast2::make(const Shape& a, const Shape& b, const Shape& out) {
  Broadcast2 bc;
  bc.out_dims = out.dims();
  bc.stride_a = broadcast_strides(a, out);
  bc.stride_b = broadcast_strides(b, out);
  bc.same_shapes = a == out && b == out;
  bc.index.assign(bc.out_dims.size(), 0);
  return bc;
}

}  // namespace outpost::quant
