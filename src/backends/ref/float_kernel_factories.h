// Factories of the reference backend's float kernels (and the layout-only kernels that work on
// any dtype), one source file per op or small op family; registered in float_kernels.cc.
#pragma once

#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "ir/constant_ints.h"
#include "backends/kernel.h"

namespace outpost {

// elementwise_binary.cc: Add, Sub, Mul, Div (float32).
Result<std::unique_ptr<Kernel>> make_binary_float(const Node& node, const Graph& graph);
// pool2d.cc: AveragePool, MaxPool (float32, channels-last nodes: pool_geometry.h).
Result<std::unique_ptr<Kernel>> make_pool2d_float(const Node& node, const Graph& graph);
// concat.cc: any dtype (quantized only when every input shares the output's parameters).
Result<std::unique_ptr<Kernel>> make_concat(const Node& node, const Graph& graph);
// conv2d.cc, depthwise_conv2d.cc, transpose_conv2d.cc, fully_connected.cc (float32; the last
// takes a Gemm of fully_connected_form.h).
Result<std::unique_ptr<Kernel>> make_conv2d_float(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_depthwise_conv2d_float(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_transpose_conv2d_float(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_fully_connected_float(const Node& node, const Graph& graph);
// depth_to_space.cc: channels-last DCR (TFLite's), any dtype (byte copies; quantized only with
// equal parameters).
Result<std::unique_ptr<Kernel>> make_depth_to_space(const Node& node, const Graph& graph);
// dequantize.cc: float16, uint8, int8, int16 -> float32.
Result<std::unique_ptr<Kernel>> make_dequantize(const Node& node, const Graph& graph);
// densify.cc: sparse float32 / float16 constant -> dense.
Result<std::unique_ptr<Kernel>> make_densify(const Node& node, const Graph& graph);
// activations.cc: Logistic, Relu, Tanh, HardSwish (float32).
Result<std::unique_ptr<Kernel>> make_activation_float(const Node& node, const Graph& graph);
// reshape.cc: any dtype.
Result<std::unique_ptr<Kernel>> make_reshape(const Node& node, const Graph& graph);
// resize_bilinear.cc (float32).
Result<std::unique_ptr<Kernel>> make_resize_bilinear_float(const Node& node, const Graph& graph);
// pad.cc: float32/float16/int32/int64 pad with zero; uint8/int8/int16 pad with the zero point.
Result<std::unique_ptr<Kernel>> make_pad_float(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_pad_quantized_bytes(const Node& node, const Graph& graph);
// mean.cc, softmax.cc (float32).
Result<std::unique_ptr<Kernel>> make_mean_float(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_softmax_float(const Node& node, const Graph& graph);
// detection_postprocess.cc: DetectionPostProcess, float32 / uint8 / int8 inputs -> float32.
Result<std::unique_ptr<Kernel>> make_detection_postprocess(const Node& node, const Graph& graph);

// Shared factory helpers.

// kUnsupported unless output 0 and each listed input that is present are float32.
inline Status expect_float32(const Graph& graph, const Node& node,
                             std::initializer_list<size_t> inputs) {
  for (size_t i : inputs) {
    if (!has_input(node, i)) continue;
    const DType d = input_of(graph, node, i).dtype;
    if (d != DType::kFloat32)
      return not_handled(graph, node,
                         "input " + std::to_string(i) + " is " + dtype_name(d) +
                             ", the float kernel needs float32");
  }
  const DType d = output_of(graph, node).dtype;
  if (d != DType::kFloat32)
    return not_handled(
        graph, node,
        std::string("output is ") + dtype_name(d) + ", the float kernel needs float32");
  return Status::ok();
}

// Quantization parameters equal in every field: a layout-only op may then copy bytes.
inline bool same_quant(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point &&
         (!a.per_channel() || a.axis == b.axis);
}

// The values of a constant int32/int64 input (axes, paddings). Shape inference has already
// checked that the input is such a constant.
inline Result<std::vector<int64_t>> constant_ints(const Graph& graph, const Node& node, size_t i) {
  const Value& v = input_of(graph, node, i);
  if (!v.is_constant() || (v.dtype != DType::kInt32 && v.dtype != DType::kInt64))
    return not_handled(graph, node, "input " + std::to_string(i) + " must be an int32 constant");
  return constant_ints(v);
}

}  // namespace outpost
