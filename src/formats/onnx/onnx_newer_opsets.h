// What opsets 18 to 21 of ai.onnx changed in ops the IR already has, settled at import: a form
// whose semantics the IR has is rewritten to it, and a form it lacks is refused by name. Ops new
// in these opsets (Gelu, Mish, GroupNormalization, Col2Im, the bitwise ops...) have no IR op and
// are refused as any unknown op is.
#pragma once

#include <string>

#include "ir/graph.h"

namespace onnx {
class NodeProto;
}

namespace outpost {

// The attribute forms, before the operands are read (map_onnx_node): Split-18's num_outputs,
// Resize-18's default antialias and keep_aspect_ratio_policy, Cast's and QuantizeLinear's
// saturate (float8 only), GridSample-20's mode names, DFT-20's default axis, and the refusals
// (Quantize/DequantizeLinear-21's block_size, QuantizeLinear-21's output_dtype, Pad-18's axes).
// `prefix` names the node and op for messages.
Status settle_newer_opset_attributes(const onnx::NodeProto& proto, int64_t opset,
                                     const std::string& prefix, Node& node);

// The operand forms, once node.inputs hold value ids: DFT-20's axis, an input, becomes the
// attribute (it must be a constant).
Status settle_newer_opset_operands(const std::string& op_type, int64_t opset,
                                   const std::string& prefix, const Graph& graph, Node& node);

}  // namespace outpost
