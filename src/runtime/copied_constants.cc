#include "runtime/copied_constants.h"

#include <memory>

#include "ir/control_flow.h"

namespace outpost {

std::vector<int> constants_read_only_by_copies(const Graph& graph, const std::vector<bool>& copied) {
  enum class Readers { kNone, kCopiesOnly, kOthers };
  std::vector<Readers> readers(graph.values.size(), Readers::kNone);
  for (size_t k = 0; k < graph.nodes.size(); ++k) {
    for (int id : values_read(graph.nodes[k])) {
      Readers& r = readers[static_cast<size_t>(id)];
      if (!copied[k]) r = Readers::kOthers;
      else if (r == Readers::kNone) r = Readers::kCopiesOnly;
    }
  }
  for (int id : graph.outputs) readers[static_cast<size_t>(id)] = Readers::kOthers;
  for (const Graph::StateUpdate& u : graph.state_updates)
    if (u.start != kNoValue) readers[static_cast<size_t>(u.start)] = Readers::kOthers;
  std::vector<int> ids;
  for (const Value& v : graph.values)
    if (v.is_constant() && v.constant.bytes != nullptr &&
        readers[static_cast<size_t>(v.id)] != Readers::kOthers)
      ids.push_back(v.id);
  return ids;
}

size_t release_constant(Value& value) {
  // What stays marks the value a constant (ConstantData::present) without holding memory.
  static const auto released = std::make_shared<const char>('\0');
  const size_t bytes = value.constant.size;
  value.constant = ConstantData{nullptr, 0, released};
  return bytes;
}

}  // namespace outpost
