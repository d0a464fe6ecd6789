// ONNX NodeProto -> IR node: the op (an ONNX op_type maps to the IR op of the same name, except
// for the few in one exception table) and its attributes, copied generically.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace onnx {
class NodeProto;
}

namespace outpost {

// The first opset and the last one this importer reads for the default domain.
constexpr int64_t kOnnxMinOpset = 6;
constexpr int64_t kOnnxMaxOpset = 21;

// Fills node.op and node.attrs, with what changed between opsets settled into attributes (the
// node carries no opset). `where` names the model and node for messages; an op or attribute we
// do not handle is kUnsupported naming op, domain and opset.
// `opset` is the version the model imports of the node's domain.
Status map_onnx_node(const onnx::NodeProto& proto, int64_t opset, const std::string& where,
                     Node& node);

// Moves node.inputs (one per NodeProto input, kNoValue for an empty name) to the positions of
// the IR op where an older form of the ONNX op had them elsewhere: Upsample and Resize before
// opset 11 take (x, scales), the IR's Resize (x, roi, scales, sizes).
void place_onnx_operands(const std::string& op_type, int64_t opset, Node& node);

// Whether the importer translates `op_type` of the default domain (ai.onnx) in some form:
// map_onnx_node maps it to an IR op, or (Constant) the importer reads it into a constant value.
// A node can still be refused for an attribute or an opset's form; docs/ops.md lists those.
bool translates_onnx_op(const std::string& op_type);

// The same for an op of `domain`: of ai.onnx (or ""), as above; of ai.onnx.preview.training,
// the optimizers Adagrad, Momentum and Adam; of any other domain, none.
bool translates_onnx_op(const std::string& domain, const std::string& op_type);

// Whether `op_type` (default domain) is a sequence op, which the importer resolves at load over
// sequences whose elements it knows (SequenceEmpty, SequenceConstruct, SequenceInsert,
// SequenceErase, SequenceAt, SequenceLength, ConcatFromSequence, SplitToSequence, SequenceMap).
bool is_onnx_sequence_op(const std::string& op_type);

// Whether `op_type` (default domain) is an optional op (Optional, OptionalHasElement,
// OptionalGetElement), which the importer resolves at load: an optional input is bound present
// or absent then (SessionOptions::absent_inputs).
bool is_onnx_optional_op(const std::string& op_type);

// Every op_type translates_onnx_op accepts, sorted: what docs/ops.md must list as supported.
std::vector<std::string> translated_onnx_ops();

// "op 'Pad' (domain ai.onnx, opset 11)": how messages name an ONNX op.
std::string describe_onnx_op(const std::string& op_type, const std::string& domain, int64_t opset);

}  // namespace outpost
