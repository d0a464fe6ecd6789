// Registration of the reference kernels of the ONNX tensor ops (src/ir/op_list_tensor.inc),
// plus the dtypes ONNX adds to ops of the main list (integer Add, float64 Relu, ...): those
// factories come after the float32 ones, which decline other dtypes.
#include <algorithm>
#include <limits>
#include <memory>

#include "backends/ref/onnx_kernel_factories.h"
#include "backends/ref/registry.h"

namespace outpost {
namespace {

// The bounds of TFLite's fused activation on int32 (CalculateActivationRange), false for one it
// has none for (tanh).
bool integer_activation_bounds(const std::string& activation, int64_t* lo, int64_t* hi) {
  *lo = std::numeric_limits<int32_t>::min();
  *hi = std::numeric_limits<int32_t>::max();
  if (activation == "none") return true;
  if (activation == "relu") *lo = 0;
  else if (activation == "relu6") *lo = 0, *hi = 6;
  else if (activation == "relu_n1_to_1") *lo = -1, *hi = 1;
  else return false;
  return true;
}

// An int32 kernel followed by the clamp of its fused activation, as TFLite's integer Add, Sub
// and Mul apply it.
class ClampedInt32 final : public Kernel {
 public:
  ClampedInt32(std::unique_ptr<Kernel> inner, int32_t lo, int32_t hi)
      : inner_(std::move(inner)), lo_(lo), hi_(hi) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    OUTPOST_RETURN_IF_ERROR(inner_->run(inputs, outputs));
    int32_t* y = outputs[0].as<int32_t>();
    for (int64_t i = 0, n = outputs[0].num_elements(); i < n; ++i) y[i] = std::clamp(y[i], lo_, hi_);
    return Status::ok();
  }

 private:
  std::unique_ptr<Kernel> inner_;
  int32_t lo_, hi_;
};

// Ops of the main list (Add, Relu, ...) get the dtypes ONNX adds. float32 stays with the float
// kernels (and their limits), quantized inputs with the quantized ones, and a fused activation
// (TFLite's) is never dropped: integer Add/Sub/Mul/Div wrap as numpy's do, and int32 ones clamp
// to their activation's bounds after.
Result<std::unique_ptr<Kernel>> make_onnx_shared(const Node& node, const Graph& graph) {
  const std::string activation = node.attrs.get_string("activation", "none");
  int64_t lo = 0, hi = 0;
  if (activation != "none" &&
      (output_of(graph, node).dtype != DType::kInt32 ||
       !integer_activation_bounds(activation, &lo, &hi)))
    return not_handled(graph, node, "fused activation '" + activation + "'");
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!has_input(node, i)) continue;
    const Value& v = input_of(graph, node, i);
    if (!v.quant.scale.empty())
      return not_handled(graph, node, "quantized input " + std::to_string(i));
    if (v.dtype == DType::kFloat32)
      return not_handled(graph, node, "float32 is the float kernel's");
  }
  const bool unary =
      node.op == OpKind::kRelu || node.op == OpKind::kTanh || node.op == OpKind::kLogistic;
  if (unary) return make_onnx_unary(node, graph);
  OUTPOST_ASSIGN_OR_RETURN(auto kernel, make_onnx_binary(node, graph));
  if (activation == "none") return kernel;
  return std::unique_ptr<Kernel>(std::make_unique<ClampedInt32>(
      std::move(kernel), static_cast<int32_t>(lo), static_cast<int32_t>(hi)));
}

}  // namespace

void register_onnx_tensor_kernels(KernelRegistry& r) {
  for (OpKind op : {OpKind::kAdd, OpKind::kSub, OpKind::kMul, OpKind::kDiv, OpKind::kRelu,
                    OpKind::kTanh, OpKind::kLogistic})
    r.add(op, make_onnx_shared);
  for (OpKind op : {OpKind::kAbs,      OpKind::kNeg,       OpKind::kExp,
                    OpKind::kLog,      OpKind::kSqrt,      OpKind::kReciprocal,
                    OpKind::kFloor,    OpKind::kCeil,      OpKind::kRound,
                    OpKind::kSign,     OpKind::kSin,       OpKind::kCos,
                    OpKind::kTan,      OpKind::kAsin,      OpKind::kAcos,
                    OpKind::kAtan,     OpKind::kSinh,      OpKind::kCosh,
                    OpKind::kAsinh,    OpKind::kAcosh,     OpKind::kAtanh,
                    OpKind::kErf,      OpKind::kElu,       OpKind::kSelu,
                    OpKind::kCelu,     OpKind::kLeakyRelu, OpKind::kHardSigmoid,
                    OpKind::kSoftplus, OpKind::kSoftsign,  OpKind::kThresholdedRelu,
                    OpKind::kShrink,   OpKind::kClip,      OpKind::kNot,
                    OpKind::kIsNaN,    OpKind::kIsInf})
    r.add(op, make_onnx_unary);
  for (OpKind op : {OpKind::kPRelu, OpKind::kPow, OpKind::kMod, OpKind::kBitShift, OpKind::kAnd,
                    OpKind::kOr, OpKind::kXor, OpKind::kEqual, OpKind::kGreater, OpKind::kLess,
                    OpKind::kGreaterOrEqual, OpKind::kLessOrEqual, OpKind::kMax, OpKind::kMin,
                    OpKind::kSum, OpKind::kElementwiseMean, OpKind::kWhere, OpKind::kAtan2})
    r.add(op, make_onnx_binary);
  for (OpKind op :
       {OpKind::kReduceSum, OpKind::kReduceMean, OpKind::kReduceMax, OpKind::kReduceMin,
        OpKind::kReduceProd, OpKind::kReduceL1, OpKind::kReduceL2, OpKind::kReduceLogSum,
        OpKind::kReduceLogSumExp, OpKind::kReduceSumSquare, OpKind::kArgMax, OpKind::kArgMin})
    r.add(op, make_onnx_reduce);
  for (OpKind op : {OpKind::kSoftmax, OpKind::kLogSoftmax, OpKind::kHardmax})
    r.add(op, make_onnx_softmax);
  for (OpKind op : {OpKind::kFlatten, OpKind::kSqueeze, OpKind::kUnsqueeze, OpKind::kIdentity})
    r.add(op, make_onnx_copy);
  r.add(OpKind::kDropout, make_onnx_dropout);
  for (OpKind op :
       {OpKind::kShape, OpKind::kSize, OpKind::kConstantOfShape, OpKind::kRange, OpKind::kEyeLike})
    r.add(op, make_onnx_generator);
  r.add(OpKind::kCast, make_onnx_cast);
  r.add(OpKind::kCastLike, make_onnx_cast);
  r.add(OpKind::kBitcast, make_bitcast);
  for (OpKind op : {OpKind::kTranspose, OpKind::kDepthToSpace, OpKind::kSpaceToDepth})
    r.add(op, make_onnx_transpose);
  for (OpKind op : {OpKind::kSlice, OpKind::kSplit, OpKind::kExpand, OpKind::kTile, OpKind::kPad})
    r.add(op, make_onnx_slice);
  for (OpKind op : {OpKind::kGather, OpKind::kGatherElements, OpKind::kGatherND,
                    OpKind::kScatterElements, OpKind::kScatterND, OpKind::kOneHot})
    r.add(op, make_onnx_gather);
  for (OpKind op : {OpKind::kCumSum, OpKind::kTopK, OpKind::kTrilu}) r.add(op, make_onnx_scan);
  for (OpKind op : {OpKind::kNonZero, OpKind::kCompress, OpKind::kUnique, OpKind::kNonMaxSuppression})
    r.add(op, make_onnx_selection);
  for (OpKind op : {OpKind::kNegativeLogLikelihoodLoss, OpKind::kSoftmaxCrossEntropyLoss})
    r.add(op, make_onnx_loss);
  r.add(OpKind::kReverseSequence, make_onnx_reverse_sequence);
  r.add(OpKind::kDet, make_onnx_det);
  for (OpKind op : {OpKind::kAdagrad, OpKind::kMomentum, OpKind::kAdam})
    r.add(op, make_onnx_optimizer);
  r.add(OpKind::kTfIdfVectorizer, make_onnx_tfidf);
  for (OpKind op : {OpKind::kHannWindow, OpKind::kHammingWindow, OpKind::kBlackmanWindow})
    r.add(op, make_onnx_window_function);
  r.add(OpKind::kMelWeightMatrix, make_onnx_mel_weight_matrix);
  for (OpKind op : {OpKind::kDFT, OpKind::kSTFT}) r.add(op, make_onnx_dft);
}

}  // namespace outpost
