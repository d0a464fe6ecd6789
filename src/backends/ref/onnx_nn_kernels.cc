// Registration of the reference kernels of the ONNX nn ops (src/ir/op_list_nn.inc).
#include "backends/ref/onnx_nn_kernel_factories.h"
#include "backends/ref/registry.h"

namespace outpost {

void register_onnx_nn_kernels(KernelRegistry& r) {
  for (OpKind op : {OpKind::kConv, OpKind::kConvInteger, OpKind::kQLinearConv})
    r.add(op, make_onnx_conv);
  r.add(OpKind::kConvTranspose, make_onnx_conv_transpose);
  for (OpKind op : {OpKind::kMaxPool, OpKind::kAveragePool, OpKind::kGlobalAveragePool,
                    OpKind::kGlobalMaxPool, OpKind::kMaxUnpool})
    r.add(op, make_onnx_pool);
  for (OpKind op : {OpKind::kBatchNormalization, OpKind::kInstanceNormalization,
                    OpKind::kLayerNormalization, OpKind::kLRN, OpKind::kMeanVarianceNormalization})
    r.add(op, make_onnx_norm);
  for (OpKind op : {OpKind::kGemm, OpKind::kMatMul, OpKind::kMatMulInteger, OpKind::kQLinearMatMul})
    r.add(op, make_onnx_gemm);
  r.add(OpKind::kEinsum, make_onnx_einsum);
  for (OpKind op : {OpKind::kRNN, OpKind::kGRU, OpKind::kLSTM}) r.add(op, make_onnx_rnn);
  r.add(OpKind::kResize, make_onnx_resize);
  for (OpKind op :
       {OpKind::kQuantize, OpKind::kDequantize, OpKind::kDynamicQuantizeLinear})
    r.add(op, make_onnx_quantize);
  r.add(OpKind::kGridSample, make_onnx_grid_sample);
  r.add(OpKind::kRoiAlign, make_onnx_roi_align);
}

}  // namespace outpost
