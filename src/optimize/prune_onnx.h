// Structured channel pruning of an ONNX model (`outpost optimize --prune S --structured`): the
// convolutions whose output channels only feed other convolutions lose the weakest share of them
// (formats/onnx/onnx_channel_pruner.h). No fine-tuning follows: the report's held-out comparison
// says what it cost.
#pragma once

#include <string>

#include "formats/onnx/onnx_channel_pruner.h"

namespace outpost::optimize {

struct PrunedOnnx {
  std::string bytes;
  OnnxPruneSummary summary;
};

Result<PrunedOnnx> prune_onnx(const std::string& model_bytes, const std::string& source, double sparsity);

}  // namespace outpost::optimize
