// Quantize (float32 -> uint8/int8) and Dequantize (uint8/int8 -> float32) with one scale and
// zero point for the whole tensor: TFLite's form (the parameters on the quantized value) or
// ONNX's (a constant scalar scale and zero point as operands). Such a node is elementwise, so
// the layout pass may run it channels-last, and XNNPACK's convert operators take it.
#pragma once

#include <optional>

#include "ir/graph.h"

namespace outpost {

struct PerTensorConversion {
  DType quantized = DType::kUInt8;  // the integer side: Quantize's output, Dequantize's input
  float scale = 0;
  int32_t zero_point = 0;
};

// The node's per-tensor parameters, or nullopt when it is not such a conversion (another op or
// dtype, per-axis parameters, operands that are not constant scalars, a scale that is not a
// positive finite number).
std::optional<PerTensorConversion> per_tensor_conversion(const Graph& g, const Node& n);

}  // namespace outpost
