// Registration of the reference backend's float kernels (one file per op beside this one),
// plus the layout-only kernels (concat, reshape, depth_to_space, pad) that serve every dtype
// by copying bytes.
#include "backends/ref/float_kernel_factories.h"
#include "backends/ref/registry.h"

namespace outpost {

void register_float_kernels(KernelRegistry& registry) {
  for (OpKind op : {OpKind::kAdd, OpKind::kSub, OpKind::kMul, OpKind::kDiv})
    registry.add(op, make_binary_float);
  registry.add(OpKind::kAveragePool, make_pool2d_float, ChannelsLast::kTaken);
  registry.add(OpKind::kMaxPool, make_pool2d_float, ChannelsLast::kTaken);
  registry.add(OpKind::kConcat, make_concat);
  registry.add(OpKind::kConv, make_conv2d_float, ChannelsLast::kTaken);
  registry.add(OpKind::kConv, make_depthwise_conv2d_float, ChannelsLast::kTaken);
  registry.add(OpKind::kConvTranspose, make_transpose_conv2d_float, ChannelsLast::kTaken);
  registry.add(OpKind::kGemm, make_fully_connected_float);
  registry.add(OpKind::kDepthToSpace, make_depth_to_space, ChannelsLast::kTaken);
  registry.add(OpKind::kDequantize, make_dequantize);
  registry.add(OpKind::kDensify, make_densify);
  for (OpKind op :
       {OpKind::kLogistic, OpKind::kRelu, OpKind::kTanh, OpKind::kHardSwish})
    registry.add(op, make_activation_float);
  registry.add(OpKind::kReshape, make_reshape);
  registry.add(OpKind::kResize, make_resize_bilinear_float);
  registry.add(OpKind::kPad, make_pad_float);
  registry.add(OpKind::kPad, make_pad_quantized_bytes);
  registry.add(OpKind::kReduceMean, make_mean_float);
  registry.add(OpKind::kSoftmax, make_softmax_float);
  registry.add(OpKind::kDetectionPostProcess, make_detection_postprocess);
}

}  // namespace outpost
