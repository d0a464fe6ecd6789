// Factories of the reference kernels of the ONNX nn ops (op_list_nn.inc), one source file
// per concept; registered in onnx_nn_kernels.cc. Shape inference (ir/shape_inference_onnx_nn.cc)
// has checked every shape and attribute these kernels index by.
#pragma once

#include <memory>

#include "backends/kernel.h"

namespace outpost {

// onnx_conv.cc: Conv (float32/float64), ConvInteger, QLinearConv.
Result<std::unique_ptr<Kernel>> make_onnx_conv(const Node& node, const Graph& graph);
// onnx_conv_transpose.cc: ConvTranspose (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_conv_transpose(const Node& node, const Graph& graph);
// onnx_pool.cc: MaxPool (with indices), AveragePool, GlobalAveragePool, GlobalMaxPool,
// MaxUnpool.
Result<std::unique_ptr<Kernel>> make_onnx_pool(const Node& node, const Graph& graph);
// onnx_norm.cc: BatchNormalization, InstanceNormalization, LayerNormalization, LRN,
// MeanVarianceNormalization.
Result<std::unique_ptr<Kernel>> make_onnx_norm(const Node& node, const Graph& graph);
// onnx_gemm.cc: Gemm, MatMul, MatMulInteger, QLinearMatMul.
Result<std::unique_ptr<Kernel>> make_onnx_gemm(const Node& node, const Graph& graph);
// onnx_einsum.cc: Einsum (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_einsum(const Node& node, const Graph& graph);
// onnx_rnn.cc: RNN, GRU, LSTM (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_rnn(const Node& node, const Graph& graph);
// onnx_resize.cc: Resize (also ONNX's Upsample).
Result<std::unique_ptr<Kernel>> make_onnx_resize(const Node& node, const Graph& graph);
// onnx_quantize.cc: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear.
Result<std::unique_ptr<Kernel>> make_onnx_quantize(const Node& node, const Graph& graph);
// onnx_grid_sample.cc: GridSample (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_grid_sample(const Node& node, const Graph& graph);
// onnx_roi_align.cc: RoiAlign (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_roi_align(const Node& node, const Graph& graph);

}  // namespace outpost
