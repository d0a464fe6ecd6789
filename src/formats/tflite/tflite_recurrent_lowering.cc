#include "formats/tflite/tflite_recurrent_lowering.h"

#include <algorithm>
#include <utility>

namespace outpost::tflite {

bool present(const Node& n, size_t i) { return i < n.inputs.size() && n.inputs[i] != kNoValue; }

int unsqueeze(Lowering& l, const std::string& suffix, int x, int64_t axis) {
  std::vector<int64_t> dims = l.value(x).shape.dims();
  dims.insert(dims.begin() + axis, 1);
  const int y = l.intermediate(suffix, l.value(x).dtype, Shape(dims));
  l.add(OpKind::kUnsqueeze, suffix + "_unsqueeze", {x}, {y})
      .attrs.set("axes", std::vector<int64_t>{axis});
  return y;
}

int squeeze(Lowering& l, const std::string& suffix, int x, int64_t axis) {
  std::vector<int64_t> dims = l.value(x).shape.dims();
  dims.erase(dims.begin() + axis);
  const int y = l.intermediate(suffix, l.value(x).dtype, Shape(dims));
  l.add(OpKind::kSqueeze, suffix + "_squeeze", {x}, {y})
      .attrs.set("axes", std::vector<int64_t>{axis});
  return y;
}

int concat(Lowering& l, const std::string& suffix, std::vector<int> parts, int64_t axis) {
  std::vector<int64_t> dims = l.value(parts[0]).shape.dims();
  dims[static_cast<size_t>(axis)] = 0;
  for (int p : parts) dims[static_cast<size_t>(axis)] += l.value(p).shape[axis];
  const int y = l.intermediate(suffix, l.value(parts[0]).dtype, Shape(dims));
  l.add(OpKind::kConcat, suffix + "_concat", std::move(parts), {y}).attrs.set("axis", axis);
  return y;
}

int zeros(Lowering& l, const std::string& suffix, int64_t count) {
  return l.zeros(suffix, DType::kFloat32, Shape{count});
}

Status check_state(const Lowering& l, const Node& n, size_t i, const Shape& shape,
                   const std::string& op) {
  const std::string what = op + ": input " + std::to_string(i) + " (a state)";
  if (!present(n, i)) return invalid_model(what + " is missing; TFLite requires a variable tensor");
  const Value& v = l.value(n.inputs[i]);
  const std::vector<int>& inputs = l.graph().inputs;
  if (v.is_constant() || std::find(inputs.begin(), inputs.end(), n.inputs[i]) != inputs.end())
    return invalid_model(what + " must be a variable tensor, as TFLite requires");
  // TFLite would have the later reader see what the earlier writer left within one invoke;
  // Outpost's states all take their new values after the run.
  for (const Graph::StateUpdate& u : l.graph().state_updates)
    if (u.state == n.inputs[i])
      return unsupported(what + ": a variable tensor that more than one state reads and writes "
                                "is not supported");
  if (v.dtype != DType::kFloat32 || v.shape != shape)
    return invalid_model(what + " is " + dtype_name(v.dtype) + " " + v.shape.to_string() +
                         ", not float32 " + shape.to_string());
  return Status::ok();
}

int directed_state(Lowering& l, int state, bool time_major, const std::string& suffix) {
  return unsqueeze(l, suffix + "_initial", state, time_major ? 0 : 1);
}

void update_state(Lowering& l, int state, int final_state, bool time_major,
                  const std::string& suffix) {
  const int next = squeeze(l, suffix + "_next", final_state, time_major ? 0 : 1);
  l.graph().state_updates.push_back({state, next});
}

}  // namespace outpost::tflite
