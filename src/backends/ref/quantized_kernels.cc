// Registration of the reference backend's quantized kernels (uint8 asymmetric, int8
// per-channel), following TFLite's built-in kernel arithmetic exactly. They are registered before
// the float kernels; each returns kUnsupported for dtypes it does not handle.
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/registry.h"

namespace outpost {

void register_quantized_kernels(KernelRegistry& registry) {
  registry.add(OpKind::kConv, make_conv2d_quantized, ChannelsLast::kTaken);
  registry.add(OpKind::kConv, make_depthwise_conv2d_quantized, ChannelsLast::kTaken);
  registry.add(OpKind::kAdd, make_add_quantized);
  registry.add(OpKind::kSub, make_add_quantized);
  registry.add(OpKind::kAveragePool, make_average_pool2d_quantized, ChannelsLast::kTaken);
  registry.add(OpKind::kMaxPool, make_max_pool2d_quantized, ChannelsLast::kTaken);
  registry.add(OpKind::kSoftmax, make_softmax_quantized);
  registry.add(OpKind::kReduceMean, make_mean_quantized);
  registry.add(OpKind::kQuantize, make_quantize_quantized);
  registry.add(OpKind::kGemm, make_fully_connected_quantized);
  registry.add(OpKind::kConcat, make_concat_quantized);
  registry.add(OpKind::kMul, make_mul_quantized);
  registry.add(OpKind::kLogistic, make_table_activation_quantized);
  registry.add(OpKind::kTanh, make_table_activation_quantized);
  registry.add(OpKind::kRelu, make_relu_quantized);
  registry.add(OpKind::kHardSwish, make_hard_swish_quantized);
  registry.add(OpKind::kConvTranspose, make_transpose_conv2d_quantized, ChannelsLast::kTaken);
  registry.add(OpKind::kLeakyRelu, make_leaky_relu_quantized);
  registry.add(OpKind::kMatMul, make_batch_matmul_quantized);
  for (OpKind op : {OpKind::kEqual, OpKind::kGreater, OpKind::kLess, OpKind::kGreaterOrEqual,
                    OpKind::kLessOrEqual})
    registry.add(op, make_comparison_quantized);
  registry.add(OpKind::kPRelu, make_leaky_relu_quantized);
  registry.add(OpKind::kClip, make_relu_quantized);
  registry.add(OpKind::kResize, make_resize_bilinear_quantized);
  registry.add(OpKind::kConv, make_conv2d_int16x8, ChannelsLast::kTaken);
  registry.add(OpKind::kConv, make_depthwise_conv2d_int16x8, ChannelsLast::kTaken);
  registry.add(OpKind::kGemm, make_fully_connected_int16x8);
  registry.add(OpKind::kSoftmax, make_softmax_int16);
  registry.add(OpKind::kConvTranspose, make_transpose_conv2d_int16x8, ChannelsLast::kTaken);
}

}  // namespace outpost
