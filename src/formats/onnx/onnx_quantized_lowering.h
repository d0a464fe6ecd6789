// ONNX's quantized convolutions lowered at import onto the IR's one Conv with quantized values:
// their scales and zero points become the QuantParams of x, w and y, and the node a Conv with
// `requantize` real (ONNX's arithmetic: the real multiplier in double precision, ties to even).
// Quantized convolutions of both formats are then one op, and one int8 kernel (XNNPACK's, the
// reference's) serves both (docs/ops.md). Two patterns lower:
// - QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [bias]);
// - QDQ, as ONNX Runtime's quantizer writes it: DequantizeLinear(x_q) and DequantizeLinear(w_q)
//   into a float Conv (bias a float constant, or DequantizeLinear of int32 at x_scale * w_scale),
//   whose output only a QuantizeLinear reads. The Conv then reads x_q and w_q and writes the
//   QuantizeLinear's output, which is removed, as are the DequantizeLinears nothing else reads.
//   A float bias is quantized to int32 at x_scale * w_scale.
#pragma once

#include "ir/graph.h"

namespace outpost {

// Lowers every quantized convolution the pattern allows, and leaves the others as they are:
// - scales and zero points constants; x, w and y of one 8-bit dtype; w a constant; x and y per
//   tensor, w per tensor or per output channel (axis 0); a float Conv of neither TFLite's layouts
//   nor a fused activation;
// - x, w and y read only with these parameters: each reader of them is a node lowered with the
//   same parameters for that value, or a QuantizeLinear/DequantizeLinear with its own operands,
//   and x is a graph input or the output of one of those (so no kernel that reads a value's
//   QuantParams meets them where the model did not mean them).
// Returns how many convolutions it lowered.
int lower_quantized_convs(Graph& graph);

}  // namespace outpost
