// Operands TFLite gives in a form of its own, rewritten at import into the form the IR op takes
// (docs/ops.md), so that kernels and passes never need to know which format a node came from.
#pragma once

#include <string>

#include "ir/graph.h"

namespace outpost::tflite {

// Rewrites those operands of `node` (translated, its inputs resolved): PAD's paddings
// [rank, 2] become Pad's pads, int64 [2 * rank] (all begins, then all ends); MEAN's axes tensor
// becomes ReduceMean's attribute `axes`; a convolution gets its `group`. kUnsupported when such an operand is computed at run
// time; kInvalidModel when TFLite itself would refuse it.
Status settle_operands(Graph& graph, Node& node, const std::string& where);

}  // namespace outpost::tflite
