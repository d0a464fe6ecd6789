// ONNX NodeProto -> IR node: the op (an ONNX op_type maps to the IR op of the same name, except
// for the few in one exception table) and its attributes, copied generically.
#pragma once

#include <string>

#include "ir/graph.h"

namespace onnx {
class NodeProto;
}

namespace outpost {

// The first opset and the last one this importer reads for the default domain.
constexpr int64_t kOnnxMinOpset = 6;
constexpr int64_t kOnnxMaxOpset = 17;

// Fills node.op and node.attrs (plus attribute `opset`). `where` names the model and node for
// messages; an op or attribute we do not handle is kUnsupported naming op, domain and opset.
Status map_onnx_node(const onnx::NodeProto& proto, int64_t opset, const std::string& where,
                     Node& node);

// "op 'Pad' (domain ai.onnx, opset 11)": how messages name an ONNX op.
std::string describe_onnx_op(const std::string& op_type, const std::string& domain, int64_t opset);

}  // namespace outpost
