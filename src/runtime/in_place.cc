#include "runtime/in_place.h"

#include "ir/elementwise_ops.h"

namespace outpost {
namespace {

// The reference and XNNPACK kernels of these read each element before writing the same index
// (Identity is a memcpy, which must not overlap itself).
bool writes_elementwise(OpKind op) {
  return (is_elementwise_unary(op) && op != OpKind::kIdentity) || is_elementwise_binary(op);
}

}  // namespace

std::vector<int> in_place_buffers(const Graph& graph) {
  const int end = static_cast<int>(graph.nodes.size());
  std::vector<int> last_read(graph.values.size(), -1);
  for (int s = 0; s < end; ++s)
    for (int id : graph.nodes[static_cast<size_t>(s)].inputs)
      if (id != kNoValue) last_read[static_cast<size_t>(id)] = s;
  for (int id : graph.outputs) last_read[static_cast<size_t>(id)] = end;
  std::vector<bool> is_input(graph.values.size(), false);
  for (int id : graph.inputs) is_input[static_cast<size_t>(id)] = true;
  // A kept state is read by the next run as an input is by this one; its next value is an output.
  for (const Graph::StateUpdate& u : graph.state_updates) {
    is_input[static_cast<size_t>(u.state)] = true;
    last_read[static_cast<size_t>(u.next)] = end;
  }

  std::vector<int> buffer(graph.values.size());
  for (size_t id = 0; id < buffer.size(); ++id) buffer[id] = static_cast<int>(id);
  for (int s = 0; s < end; ++s) {
    const Node& n = graph.nodes[static_cast<size_t>(s)];
    if (!writes_elementwise(n.op) || n.outputs.size() != 1) continue;
    const Value& out = graph.value(n.outputs[0]);
    if (out.dtype != DType::kFloat32) continue;
    for (int id : n.inputs) {
      if (id == kNoValue) continue;
      const Value& in = graph.value(id);
      if (in.is_constant() || is_input[static_cast<size_t>(buffer[static_cast<size_t>(id)])] ||
          in.dtype != out.dtype || in.shape.num_elements() != out.shape.num_elements() ||
          last_read[static_cast<size_t>(id)] != s)
        continue;
      buffer[static_cast<size_t>(n.outputs[0])] = buffer[static_cast<size_t>(id)];
      break;
    }
  }
  return buffer;
}

}  // namespace outpost
