// Structured channel pruning of ONNX models, the writer side of `outpost optimize --prune S
// --structured` (docs/optimize.md): the output channels of a convolution whose result only feeds
// other convolutions are removed, and with them the matching input channels of the readers, so
// the layers really shrink (fewer weights, fewer multiply-adds) and every kernel runs as before.
//
// A prunable chain is: a Conv P (group 1) -> any Relu / Clip -> optionally a depthwise Conv D
// (group = channels) -> any Relu / Clip -> a Conv R (group 1), each tensor of it read by the next
// node alone and none a graph output. P loses the output channels of smallest L1 norm (its
// filters'), D loses the same channels (its group count with them), R the same input channels.
// The channels kept are the largest `1 - sparsity` share, rounded up to a multiple of 8 (SIMD
// kernels work in blocks) and never fewer than 8 or more than there are.
#pragma once

#include <string>
#include <vector>

#include "outpost/status.h"

namespace onnx {
class ModelProto;
}

namespace outpost {

struct PrunedChain {
  std::string producer, depthwise, reader;  // "Conv 'name'"; depthwise "" where none
  int64_t channels_before = 0, channels_after = 0;
};

struct OnnxPruneSummary {
  std::vector<PrunedChain> chains;
  int64_t parameters_before = 0, parameters_after = 0;  // of the convolutions touched
};

// `sparsity` in (0, 1): the share of each prunable chain's channels removed. kUnsupported when the
// model has no prunable chain (naming why the first Conv is not one, when there is one).
Result<std::string> prune_onnx_channels(const onnx::ModelProto& model, double sparsity, const std::string& source,
                                        OnnxPruneSummary* summary = nullptr);

}  // namespace outpost
