// The XNNPACK backend's kernel factories, one per op it takes (xnnpack_backend.cc dispatches).
// Each returns kUnsupported for a node it does not take, so the reference backend runs it.
#pragma once

#include <pthreadpool.h>

#include <memory>

#include "backends/kernel.h"

namespace outpost::xnn {

// Conv, channels-last: TFLite's as imported (OHWI or 1HWO weights; float32, uint8, int8) and
// ONNX's float32 ones that the layout pass made channels-last.
Result<std::unique_ptr<Kernel>> make_conv(const Node& n, const Graph& g, pthreadpool_t pool);
// Whether make_conv takes this NCHW uint8/int8 ONNX Conv (a lowered QLinearConv) once the layout
// pass makes it channels-last: the layout pass converts only what a kernel will then run.
bool takes_quantized_onnx_conv(const Node& n, const Graph& g);
// Gemm with constant weights (transB or not) as a fully connected layer: float32, and uint8/int8
// with per-tensor weights (TFLite's FULLY_CONNECTED), with its fused activation.
Result<std::unique_ptr<Kernel>> make_gemm(const Node& n, const Graph& g, pthreadpool_t pool);
// Logistic, Relu, HardSwish, Clip (also TFLite's RELU6) (float32).
Result<std::unique_ptr<Kernel>> make_unary(const Node& n, const Graph& g, pthreadpool_t pool);
// Add, Sub, Mul (float32), Add and Mul (uint8, int8), numpy broadcasting.
Result<std::unique_ptr<Kernel>> make_binary(const Node& n, const Graph& g, pthreadpool_t pool);
// Quantize float32 -> uint8/int8 and Dequantize uint8/int8 -> float32, per tensor: TFLite's
// QUANTIZE and DEQUANTIZE, and ONNX's with constant scalar parameters (ir/per_tensor_conversion.h).
Result<std::unique_ptr<Kernel>> make_convert(const Node& n, const Graph& g, pthreadpool_t pool);
// ONNX GlobalAveragePool on float32, NCHW or channels-last.
Result<std::unique_ptr<Kernel>> make_global_average_pool(const Node& n, const Graph& g,
                                                         pthreadpool_t pool);
// ONNX MaxPool (2-D, float32, one output) made channels-last by the layout pass.
bool takes_onnx_max_pool(const Node& n, const Graph& g);
Result<std::unique_ptr<Kernel>> make_onnx_max_pool(const Node& n, const Graph& g, pthreadpool_t pool);
// AveragePool (2-D, float32) channels-last: TFLite's AVERAGE_POOL_2D with its fused activation,
// and ONNX's once the layout pass has made it so, where the pads are not counted.
bool takes_average_pool(const Node& n, const Graph& g);
// ConvTranspose, float32, as TFLite's transpose convolution (channels-last, OHWI weights, one
// group) with constant weights and bias and a fused activation.
bool takes_transpose_conv(const Node& n, const Graph& g);
Result<std::unique_ptr<Kernel>> make_transpose_conv(const Node& n, const Graph& g, pthreadpool_t pool);
// Resize, bilinear, float32, of dimensions 1 and 2 to given sizes (TFLite's RESIZE_BILINEAR).
bool takes_bilinear_resize(const Node& n, const Graph& g);
Result<std::unique_ptr<Kernel>> make_bilinear_resize(const Node& n, const Graph& g, pthreadpool_t pool);
Result<std::unique_ptr<Kernel>> make_average_pool(const Node& n, const Graph& g, pthreadpool_t pool);

}  // namespace outpost::xnn
