#include "ir/graph.h"

#include <cstdlib>
#include <cstring>

namespace outpost {

std::string Node::describe() const {
  std::string s = "node " + std::to_string(source_index) + " (" + op_name(op);
  if (!name.empty()) s += " '" + name + "'";
  return s + ")";
}

int Graph::add_value(Value v) {
  v.id = static_cast<int>(values.size());
  values.push_back(std::move(v));
  return values.back().id;
}

const Value* Graph::input_value(const Node& node, size_t i) const {
  if (i >= node.inputs.size() || node.inputs[i] == kNoValue) return nullptr;
  return &value(node.inputs[i]);
}

Status Graph::validate() const {
  const int n = static_cast<int>(values.size());
  std::vector<bool> available(values.size(), false);
  for (const auto& v : values)
    if (v.is_constant()) available[static_cast<size_t>(v.id)] = true;
  for (int id : inputs) {
    if (id < 0 || id >= n) return invalid_model(source + ": graph input refers to value " + std::to_string(id) + ", out of range");
    available[static_cast<size_t>(id)] = true;
  }
  for (const StateUpdate& u : state_updates) {
    if (u.state < 0 || u.state >= n || u.next < 0 || u.next >= n)
      return invalid_model(source + ": a kept state refers to a value out of range");
    if (u.start != kNoValue &&
        (u.start < 0 || u.start >= n || !value(u.start).is_constant() ||
         value(u.start).constant.size != value(u.state).shape.num_elements().value_or(-1) * dtype_size(value(u.state).dtype)))
      return invalid_model(source + ": the start of kept state '" + value(u.state).name +
                           "' is not a constant of its size");
    available[static_cast<size_t>(u.state)] = true;  // as the run before left it
  }
  std::vector<bool> produced(values.size(), false);
  for (const auto& node : nodes) {
    for (int id : node.inputs) {
      if (id == kNoValue) continue;
      if (id < 0 || id >= n) return invalid_model(source + ": " + node.describe() + " reads value " + std::to_string(id) + ", out of range");
      if (!available[static_cast<size_t>(id)])
        return invalid_model(source + ": " + node.describe() + " reads '" + value(id).name +
                             "' before any node produces it (cyclic or misordered graph)");
    }
    for (int id : node.outputs) {
      if (id < 0 || id >= n) return invalid_model(source + ": " + node.describe() + " writes value " + std::to_string(id) + ", out of range");
      if (produced[static_cast<size_t>(id)] || value(id).is_constant())
        return invalid_model(source + ": value '" + value(id).name + "' is written by more than one node or is a constant");
      produced[static_cast<size_t>(id)] = true;
      available[static_cast<size_t>(id)] = true;
    }
  }
  for (int id : outputs) {
    if (id < 0 || id >= n) return invalid_model(source + ": graph output refers to value " + std::to_string(id) + ", out of range");
    if (!available[static_cast<size_t>(id)]) return invalid_model(source + ": graph output '" + value(id).name + "' is never produced");
  }
  return Status::ok();
}

void set_owned_constant(Value& value, std::vector<uint8_t> bytes) {
  size_t size = bytes.size();
  void* p = std::aligned_alloc(64, (size + 63) / 64 * 64 + 64);
  if (size) std::memcpy(p, bytes.data(), size);
  value.constant.bytes = static_cast<const uint8_t*>(p);
  value.constant.size = size;
  value.constant.keep_alive = std::shared_ptr<const void>(p, std::free);
}

}  // namespace outpost
