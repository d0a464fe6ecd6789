// What the quantized kernel factories share: reading a value's quantization, the fused
// activation's range, and the per-channel output multipliers of convolutions.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "backends/kernel.h"
#include "backends/ref/quant_math.h"

namespace outpost::quant {

inline bool is_quantized_8bit(DType dtype) {
  return dtype == DType::kUInt8 || dtype == DType::kInt8;
}

// Per-tensor scale and zero point of an 8-bit value.
struct TensorQuant {
  float scale = 0.0f;
  int32_t zero_point = 0;
};

// The per-tensor parameters of `value` (`role` names it in messages: "input", "output"), or
// kUnsupported when it has none, is per-channel, or has a non-positive scale.
Result<TensorQuant> per_tensor_quant(const Graph& g, const Node& n, const Value& value,
                                     const std::string& role);

// Ok when the node requantizes in TFLite's fixed point (`requantize` fixed_point, the default);
// not_handled for ONNX's real multiplier (`requantize` real, the general kernels').
Status fixed_point_requantization(const Graph& g, const Node& n);

// The range of the node's fused `activation` attribute on `output`.
Result<ActivationRange> fused_activation_range(const Graph& g, const Node& n, const Value& output,
                                               const TensorQuant& output_quant);

// quantize_multiplier(real) for a multiplier the model's scales give, or kInvalidModel naming
// `what` and its value when it is 2^30 or more: its left shift would carry an int32 past 32 bits
// (undefined; TFLite's kernels would shift that far too). Real multipliers are far below 1 in
// any trained model.
Result<QuantizedMultiplier> bounded_multiplier(const Graph& g, const Node& n, double real,
                                               const std::string& what);

// Output multipliers of a convolution-like op (Conv2D, DepthwiseConv2D, FullyConnected), one per
// output channel, exactly as TFLite derives them. Per-channel weights (int8 or int16 inputs):
// double(input_scale) * double(weight_scale[c]) / double(output_scale). Per-tensor weights:
// the same when `float_product_per_tensor` is false (int8 convolutions, which TFLite treats as
// per-channel with one scale), or float(input_scale * weight_scale) / output_scale in double
// after a float product when it is true (uint8 convolutions and all FullyConnected, through
// TFLite's GetQuantizedConvolutionMultipler).
// kUnsupported when the weight scales do not match `channels` along `channel_axis`.
Result<std::vector<QuantizedMultiplier>> conv_output_multipliers(
    const Graph& g, const Node& n, DType input_dtype, const TensorQuant& input_quant,
    const Value& weights, int channel_axis, int64_t channels, const TensorQuant& output_quant,
    bool float_product_per_tensor);

// Weight zero points, one per output channel (a single one repeated). kUnsupported when one is
// outside the weights' dtype range: the kernels' int32 products assume 8-bit operands.
Result<std::vector<int32_t>> weight_zero_points(const Graph& g, const Node& n, const Value& weights,
                                                int64_t channels);

// What quantized elementwise binary ops (Add, Mul) read before anything else: two inputs and
// an output of one 8-bit dtype (or int16 with zero points 0, when `takes_int16`), each quantized
// per tensor, and the fused activation's range. kUnsupported otherwise (`op` names the op in the
// message).
struct BinaryQuant {
  TensorQuant a, b, y;
  ActivationRange act;
};
Result<BinaryQuant> binary_quant(const Graph& g, const Node& n, const std::string& op,
                                 bool takes_int16 = false);

// Numpy broadcasting of two inputs onto an output shape: per output dimension, the element
// stride of each input (0 where that input has extent 1 or lacks the dimension).
struct Broadcast2 {
  std::vector<int64_t> out_dims;
  std::vector<int64_t> stride_a, stride_b;
  bool same_shapes = false;  // both inputs have the output's shape: index o is o everywhere
  // The odometer's digits, sized once here so that for_each never allocates. A kernel runs on
  // one thread at a time.
  mutable std::vector<int64_t> index;

  static Broadcast2 make(const Shape& a, const Shape& b, const Shape& out);
  // Calls f(out_index, a_index, b_index) for every output element in row-major order.
  template <typename F>
  void for_each(F&& f) const {
    const size_t rank = out_dims.size();
    int64_t total = 1;
    for (int64_t d : out_dims) total *= d;
    if (same_shapes) {
      for (int64_t o = 0; o < total; ++o) f(o, o, o);
      return;
    }
    std::vector<int64_t>& idx = index;
    std::fill(idx.begin(), idx.end(), 0);
    int64_t ia = 0, ib = 0;
    for (int64_t o = 0; o < total; ++o) {
      f(o, ia, ib);
      // Odometer increment, keeping the input offsets in step.
      for (size_t k = rank; k-- > 0;) {
        ++idx[k];
        ia += stride_a[k];
        ib += stride_b[k];
        if (idx[k] < out_dims[k]) break;
        ia -= stride_a[k] * idx[k];
        ib -= stride_b[k] * idx[k];
        idx[k] = 0;
      }
    }
  }
};

}  // namespace outpost::quant
