// ONNX's QLinearConv lowered at import onto the IR's one Conv with quantized values: where its
// scales and zero points are constants, they become the QuantParams of x, w and y, and the node a
// Conv with `requantize` real (ONNX's arithmetic: the real multiplier in double precision, half
// to even). Quantized convolutions of both formats are then one op, and a kernel for quantized
// Conv serves both (docs/ops.md).
#pragma once

#include "ir/graph.h"

namespace outpost {

// Lowers every QLinearConv the pattern allows, and leaves the others as they are:
// - scales and zero points constants; x, w and y of one 8-bit dtype; w a constant; x and y
//   per tensor, w per tensor or per output channel; the bias absent or a constant;
// - x and y read only with these parameters: each reader of them is a lowered QLinearConv that
//   takes the same parameters, or a QuantizeLinear/DequantizeLinear with its own operands, and
//   x is a graph input or the output of one of those (so no kernel that reads a value's
//   QuantParams meets them where the model did not mean them).
// Returns how many nodes it lowered.
int lower_qlinear_conv(Graph& graph);

}  // namespace outpost
