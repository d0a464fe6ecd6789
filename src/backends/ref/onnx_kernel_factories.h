// Factories of the reference kernels of the ONNX tensor ops (op_list_tensor.inc), one
// source file per op family; registered in onnx_tensor_kernels.cc.
#pragma once

#include <memory>

#include "backends/kernel.h"

namespace outpost {

// onnx_unary.cc: math, activations, Clip, IsNaN, IsInf, Not (also Relu/Tanh/Logistic off float32).
Result<std::unique_ptr<Kernel>> make_onnx_unary(const Node& node, const Graph& graph);
// onnx_binary.cc: Add/Sub/Mul/Div off float32, Pow, Mod, PRelu, BitShift, logic, comparisons,
// Max/Min/Sum/ElementwiseMean, Where.
Result<std::unique_ptr<Kernel>> make_onnx_binary(const Node& node, const Graph& graph);
// onnx_reduce.cc: Reduce*, ArgMax, ArgMin.
Result<std::unique_ptr<Kernel>> make_onnx_reduce(const Node& node, const Graph& graph);
// onnx_softmax.cc: Softmax over any axis, LogSoftmax, Hardmax.
Result<std::unique_ptr<Kernel>> make_onnx_softmax(const Node& node, const Graph& graph);
// onnx_copy.cc: ops that only relabel the shape (Flatten, Squeeze, Unsqueeze, Identity), Shape,
// Size, ConstantOfShape, Range, EyeLike.
Result<std::unique_ptr<Kernel>> make_onnx_copy(const Node& node, const Graph& graph);
// Bitcast: the input's bytes as they are, under the output's dtype.
Result<std::unique_ptr<Kernel>> make_bitcast(const Node& node, const Graph& graph);
Result<std::unique_ptr<Kernel>> make_onnx_generator(const Node& node, const Graph& graph);
// onnx_dropout.cc: Dropout (the identity; in training mode only with ratio 0).
Result<std::unique_ptr<Kernel>> make_onnx_dropout(const Node& node, const Graph& graph);
// onnx_cast.cc: Cast, CastLike.
Result<std::unique_ptr<Kernel>> make_onnx_cast(const Node& node, const Graph& graph);
// onnx_transpose.cc: Transpose, DepthToSpace (NCHW), SpaceToDepth.
Result<std::unique_ptr<Kernel>> make_onnx_transpose(const Node& node, const Graph& graph);
// onnx_slice.cc: Slice, Split, Expand, Tile, Pad (what pad.cc declines).
Result<std::unique_ptr<Kernel>> make_onnx_slice(const Node& node, const Graph& graph);
// onnx_gather.cc: Gather, GatherElements, GatherND, ScatterElements, ScatterND, OneHot.
Result<std::unique_ptr<Kernel>> make_onnx_gather(const Node& node, const Graph& graph);
// onnx_scan.cc: CumSum, TopK, Trilu.
Result<std::unique_ptr<Kernel>> make_onnx_scan(const Node& node, const Graph& graph);
// onnx_selection.cc: NonZero, Compress, Unique, NonMaxSuppression (the data decides the size).
Result<std::unique_ptr<Kernel>> make_onnx_selection(const Node& node, const Graph& graph);
// onnx_loss.cc: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss.
Result<std::unique_ptr<Kernel>> make_onnx_loss(const Node& node, const Graph& graph);
// onnx_reverse_sequence.cc: ReverseSequence.
Result<std::unique_ptr<Kernel>> make_onnx_reverse_sequence(const Node& node, const Graph& graph);
// onnx_det.cc: Det (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_det(const Node& node, const Graph& graph);
// onnx_optimizer.cc: Adagrad, Momentum, Adam (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_optimizer(const Node& node, const Graph& graph);
// onnx_tfidf.cc: TfIdfVectorizer (int32/int64 tokens).
Result<std::unique_ptr<Kernel>> make_onnx_tfidf(const Node& node, const Graph& graph);
// onnx_window_functions.cc: HannWindow, HammingWindow, BlackmanWindow (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_window_function(const Node& node, const Graph& graph);
// onnx_mel_weight_matrix.cc: MelWeightMatrix (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_mel_weight_matrix(const Node& node, const Graph& graph);
// onnx_dft.cc: DFT, STFT (float32/float64).
Result<std::unique_ptr<Kernel>> make_onnx_dft(const Node& node, const Graph& graph);

}  // namespace outpost
