// Factories of the reference backend's quantized kernels (uint8 asymmetric per-tensor, int8 with
// per-channel weights), one per op file `<stem>_quantized.cc`. Each validates dtypes and
// quantization, precomputes multipliers, offsets, activation bounds and tables, and returns
// kUnsupported for dtypes it does not handle so that the float kernels can be tried next.
#pragma once

#include "backends/kernel.h"

namespace outpost {

Result<std::unique_ptr<Kernel>> make_conv2d_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_depthwise_conv2d_quantized(const Node& node,
                                                                const Graph& graph);
// Add and Sub.
Result<std::unique_ptr<Kernel>> make_add_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_average_pool2d_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_max_pool2d_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_softmax_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_mean_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_quantize_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_fully_connected_quantized(const Node& node,
                                                               const Graph& graph);
// Only for inputs that need requantizing; same-quantization concat is a byte copy elsewhere.
Result<std::unique_ptr<Kernel>> make_concat_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_mul_quantized(const Node& node, const Graph& graph);
// Logistic and Tanh.
Result<std::unique_ptr<Kernel>> make_table_activation_quantized(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_hard_swish_quantized(const Node& node, const Graph& graph);
// TFLite's transpose convolution on int8 (channels-last, OHWI weights per channel).
Result<std::unique_ptr<Kernel>> make_transpose_conv2d_quantized(const Node& node, const Graph& graph);
// Equal, Greater, Less, GreaterOrEqual, LessOrEqual of quantized operands.
Result<std::unique_ptr<Kernel>> make_comparison_quantized(const Node& node, const Graph& graph);
// MatMul of quantized operands (TFLite's BATCH_MATMUL).
Result<std::unique_ptr<Kernel>> make_batch_matmul_quantized(const Node& node, const Graph& graph);
// LeakyRelu and PRelu.
Result<std::unique_ptr<Kernel>> make_leaky_relu_quantized(const Node& node, const Graph& graph);
// Relu, and Clip with attribute bounds (TFLite's RELU6, RELU_N1_TO_1, RELU_0_TO_1).
Result<std::unique_ptr<Kernel>> make_relu_quantized(const Node& node, const Graph& graph);
// TFLite's 16x8 forms (int16 activations, int8 weights, int64 bias; conv_int16x8.cc).
Result<std::unique_ptr<Kernel>> make_conv2d_int16x8(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_depthwise_conv2d_int16x8(const Node& node,
                                                              const Graph& graph);
Result<std::unique_ptr<Kernel>> make_fully_connected_int16x8(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_transpose_conv2d_int16x8(const Node& node,
                                                              const Graph& graph);
// TFLite's int16 Softmax (softmax_int16.cc).
Result<std::unique_ptr<Kernel>> make_softmax_int16(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_resize_bilinear_quantized(const Node& node,
                                                               const Graph& graph);

}  // namespace outpost
