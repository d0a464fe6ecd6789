#include "ir/control_flow.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>

#include "ir/constant_ints.h"
#include "ir/element_truth.h"
#include "ir/shape_inference.h"

namespace outpost {
namespace {

Status fail(const Graph& g, const Node& n, const std::string& why) {
  return invalid_model(g.source + ": " + n.describe() + ": " + why);
}

// Copies body nodes with fresh output values, and inputs mapped to what they stand for in this
// copy (a body's inputs to the values bound to them, the body's own values to their copies);
// a value of an enclosing scope stays itself. Nested subgraphs are copied too.
class BodyCopier {
 public:
  BodyCopier(Graph& g, std::string suffix) : g_(g), suffix_(std::move(suffix)) {}

  void bind(int body_value, int value) { map_[body_value] = value; }
  int mapped(int id) const {
    const auto it = map_.find(id);
    return it == map_.end() ? id : it->second;
  }
  Node copy(const Node& n) {
    Node c = n;
    for (int& id : c.inputs) id = id == kNoValue ? id : mapped(id);
    for (int& id : c.outputs) id = fresh(id);
    for (auto& sub : c.subgraphs) sub = copy(*sub);
    return c;
  }
  void copy_nodes(const Subgraph& body, std::vector<Node>& out) {
    for (const Node& n : body.nodes) out.push_back(copy(n));
  }

 private:
  int fresh(int id) {
    Value v = g_.value(id);
    v.name += suffix_;
    v.constant = {};
    v.producer = -1;
    const int copy = g_.add_value(std::move(v));
    map_[id] = copy;
    return copy;
  }
  std::shared_ptr<const Subgraph> copy(const Subgraph& s) {
    auto c = std::make_shared<Subgraph>();
    for (int id : s.inputs) c->inputs.push_back(fresh(id));
    for (const Node& n : s.nodes) c->nodes.push_back(copy(n));
    for (int id : s.outputs) c->outputs.push_back(mapped(id));
    return c;
  }

  Graph& g_;
  std::string suffix_;
  std::unordered_map<int, int> map_;
};

Node make_node(const Node& from, OpKind op, std::vector<int> inputs, int output, const std::string& what) {
  Node n;
  n.op = op;
  n.name = from.name + "/" + what;
  n.source_index = from.source_index;
  n.origin = from.origin;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  return n;
}

int add_temporary(Graph& g, const Value& like, const std::string& name) {
  Value v;
  v.name = name;
  v.dtype = like.dtype;
  v.dtype_known = false;
  return g.add_value(std::move(v));
}

int add_int64(Graph& g, const std::string& name, int64_t x) {
  Value v;
  v.name = name;
  v.dtype = DType::kInt64;
  v.shape = Shape{};
  std::vector<uint8_t> bytes(sizeof x);
  std::memcpy(bytes.data(), &x, sizeof x);
  set_owned_constant(v, std::move(bytes));
  return g.add_value(std::move(v));
}

int add_true(Graph& g, const std::string& name) {
  Value v;
  v.name = name;
  v.dtype = DType::kBool;
  v.shape = Shape{};
  set_owned_constant(v, std::vector<uint8_t>{1});
  return g.add_value(std::move(v));
}

// A one-element constant's truth, or the status of waiting for it.
Result<bool> known_truth(Graph& g, const Node& n, size_t i, const std::string& what) {
  const Value& v = g.value(n.inputs[i]);
  if (v.shape.num_elements().value_or(0) != 1) return fail(g, n, what + " must hold one value");
  if (!v.is_constant()) return wait_for_value(g, n, i, what);
  return element_is_nonzero(v.constant.bytes, v.dtype);
}

// `pieces` stacked along a new axis: Unsqueeze each, Concat them, into `output`.
void stack(Graph& g, const Node& from, const std::vector<int>& pieces, int64_t axis, int output,
           std::vector<Node>& out) {
  std::vector<int> expanded;
  for (size_t k = 0; k < pieces.size(); ++k) {
    const int e = add_temporary(g, g.value(output), g.value(output).name + "/" + std::to_string(k));
    Node u = make_node(from, OpKind::kUnsqueeze, {pieces[k]}, e, "unsqueeze" + std::to_string(k));
    u.attrs.set("axes", std::vector<int64_t>{axis});
    out.push_back(std::move(u));
    expanded.push_back(e);
  }
  Node c = make_node(from, OpKind::kConcat, expanded, output, "stack");
  c.attrs.set("axis", axis);
  out.push_back(std::move(c));
}

Result<std::vector<Node>> expand_if(Graph& g, const Node& n) {
  if (n.subgraphs.size() != 2) return fail(g, n, "If needs a then and an else branch");
  OUTPOST_ASSIGN_OR_RETURN(const bool cond, known_truth(g, n, 0, "which branch runs"));
  const Subgraph& branch = *n.subgraphs[cond ? 0 : 1];
  if (branch.outputs.size() != n.outputs.size())
    return fail(g, n, "the " + std::string(cond ? "then" : "else") + " branch has " +
                          std::to_string(branch.outputs.size()) + " outputs, the If " +
                          std::to_string(n.outputs.size()));
  if (!branch.inputs.empty()) return fail(g, n, "an If branch takes no inputs");
  // The branch's own values are used as they are: an If is expanded once where it stands (a
  // body holding one is copied with fresh values first).
  std::vector<Node> out = branch.nodes;
  for (size_t k = 0; k < n.outputs.size(); ++k)
    out.push_back(make_node(n, OpKind::kIdentity, {branch.outputs[k]}, n.outputs[k], "out" + std::to_string(k)));
  return out;
}

Status check_unroll_size(const Graph& g, const Node& n, int64_t copies, size_t body_nodes) {
  if (copies <= kMaxUnrolledNodes / static_cast<int64_t>(std::max<size_t>(body_nodes, 1))) return Status::ok();
  return unsupported(g.source + ": " + n.describe() + ": it runs its body of " + std::to_string(body_nodes) +
                     " nodes " + std::to_string(copies) + " times or more, beyond the " +
                     std::to_string(kMaxUnrolledNodes) + " nodes Outpost unrolls");
}

// Loop: inputs [M], [cond], v... and, after the first iteration, what the iterations so far
// gave each scan output (attribute `iteration` counts them). Expands into one iteration and
// the Loop again, or, once M or the condition ends it, into its outputs.
Result<std::vector<Node>> expand_loop(Graph& g, const Node& n) {
  if (n.subgraphs.size() != 1) return fail(g, n, "Loop needs a body");
  const Subgraph& body = *n.subgraphs[0];
  if (body.inputs.size() < 2 || body.outputs.empty())
    return fail(g, n, "the body must take the iteration number and the condition, and give the condition");
  const size_t carried = body.inputs.size() - 2;
  const size_t scanned = body.outputs.size() - 1 - std::min(carried, body.outputs.size() - 1);
  const int64_t iteration = n.attrs.get_int("iteration", 0);
  if (body.outputs.size() != 1 + carried + scanned || n.outputs.size() != carried + scanned ||
      n.inputs.size() != 2 + carried + static_cast<size_t>(iteration) * scanned)
    return fail(g, n, "its inputs, outputs and body do not agree (" + std::to_string(carried) +
                          " loop-carried values)");
  bool more = true;
  if (n.inputs[0] != kNoValue) {
    const Value& m = g.value(n.inputs[0]);
    if (m.shape.num_elements().value_or(0) != 1 || (m.dtype != DType::kInt64 && m.dtype != DType::kInt32))
      return fail(g, n, "the trip count M must be one int64");
    if (!m.is_constant()) return wait_for_value(g, n, 0, "how many times the loop runs");
    const int64_t trips = constant_ints(m)[0];
    if (iteration == 0) OUTPOST_RETURN_IF_ERROR(check_unroll_size(g, n, trips, body.nodes.size()));
    more = iteration < trips;
  }
  if (more && n.inputs[1] != kNoValue) {
    OUTPOST_ASSIGN_OR_RETURN(more, known_truth(g, n, 1, "whether the loop runs again"));
  }
  std::vector<Node> out;
  const auto first_scan = n.inputs.begin() + static_cast<std::ptrdiff_t>(2 + carried);
  if (!more) {
    for (size_t k = 0; k < carried; ++k)
      out.push_back(make_node(n, OpKind::kIdentity, {n.inputs[2 + k]}, n.outputs[k], "out" + std::to_string(k)));
    if (scanned > 0 && iteration == 0)
      return unsupported(g.source + ": " + n.describe() +
                         ": a Loop that runs no iteration has empty scan outputs of unknown shape");
    for (size_t j = 0; j < scanned; ++j) {
      std::vector<int> pieces;
      for (int64_t i = 0; i < iteration; ++i) pieces.push_back(*(first_scan + i * static_cast<int64_t>(scanned) + static_cast<int64_t>(j)));
      stack(g, n, pieces, 0, n.outputs[carried + j], out);
    }
    return out;
  }
  OUTPOST_RETURN_IF_ERROR(check_unroll_size(g, n, iteration + 1, body.nodes.size()));
  if (iteration >= kMaxLoopIterations)
    return unsupported(g.source + ": " + n.describe() + ": it runs more than " +
                       std::to_string(kMaxLoopIterations) + " iterations, beyond what Outpost unrolls");
  BodyCopier copier(g, "@" + std::to_string(iteration));
  copier.bind(body.inputs[0], add_int64(g, n.name + "/iteration" + std::to_string(iteration), iteration));
  // Without a condition the body still reads one: true.
  copier.bind(body.inputs[1], n.inputs[1] != kNoValue ? n.inputs[1] : add_true(g, n.name + "/always"));
  for (size_t k = 0; k < carried; ++k) copier.bind(body.inputs[2 + k], n.inputs[2 + k]);
  copier.copy_nodes(body, out);
  Node rest = n;
  rest.inputs.resize(2 + carried);
  rest.inputs[1] = copier.mapped(body.outputs[0]);
  for (size_t k = 0; k < carried; ++k) rest.inputs[2 + k] = copier.mapped(body.outputs[1 + k]);
  rest.inputs.insert(rest.inputs.end(), first_scan, n.inputs.end());
  for (size_t j = 0; j < scanned; ++j) rest.inputs.push_back(copier.mapped(body.outputs[1 + carried + j]));
  rest.attrs.set("iteration", iteration + 1);
  out.push_back(std::move(rest));
  return out;
}

// Scan (opset 9 and later): states..., scan inputs... -> states..., scan outputs, unrolled over
// the scan inputs' length (a static shape).
Result<std::vector<Node>> expand_scan(Graph& g, const Node& n) {
  if (n.subgraphs.size() != 1) return fail(g, n, "Scan needs a body");
  const Subgraph& body = *n.subgraphs[0];
  const int64_t num_scan = n.attrs.get_int("num_scan_inputs", -1);
  if (num_scan < 1 || num_scan > static_cast<int64_t>(n.inputs.size()) ||
      body.inputs.size() != n.inputs.size() || body.outputs.size() != n.outputs.size())
    return fail(g, n, "its inputs, outputs, num_scan_inputs and body do not agree");
  const size_t states = n.inputs.size() - static_cast<size_t>(num_scan);
  if (states > n.outputs.size()) return fail(g, n, "it has fewer outputs than states");
  const size_t scan_outputs = n.outputs.size() - states;
  auto list = [&](const char* name, size_t count) {
    std::vector<int64_t> v = n.attrs.get_ints(name);
    v.resize(count, 0);
    return v;
  };
  const std::vector<int64_t> in_axes = list("scan_input_axes", static_cast<size_t>(num_scan)),
                             in_dirs = list("scan_input_directions", static_cast<size_t>(num_scan)),
                             out_axes = list("scan_output_axes", scan_outputs),
                             out_dirs = list("scan_output_directions", scan_outputs);
  int64_t length = -1;
  std::vector<int64_t> axes(in_axes);
  for (size_t j = 0; j < axes.size(); ++j) {
    const Shape& s = g.value(n.inputs[states + j]).shape;
    const auto rank = static_cast<int64_t>(s.rank());
    if (!s.is_static() || axes[j] < -rank || axes[j] >= rank)
      return fail(g, n, "scan input " + std::to_string(j) + " has shape " + s.to_string() +
                            " and axis " + std::to_string(axes[j]));
    if (axes[j] < 0) axes[j] += rank;
    const int64_t l = s[static_cast<size_t>(axes[j])];
    if (length >= 0 && l != length) return fail(g, n, "the scan inputs differ in length");
    length = l;
  }
  if (length == 0 && scan_outputs > 0)
    return unsupported(g.source + ": " + n.describe() + ": a Scan over no slice has empty scan outputs of unknown shape");
  OUTPOST_RETURN_IF_ERROR(check_unroll_size(g, n, length, body.nodes.size()));
  std::vector<Node> out;
  std::vector<int> state(n.inputs.begin(), n.inputs.begin() + static_cast<std::ptrdiff_t>(states));
  std::vector<std::vector<int>> pieces(scan_outputs);
  for (int64_t t = 0; t < length; ++t) {
    BodyCopier copier(g, "@" + std::to_string(t));
    for (size_t k = 0; k < states; ++k) copier.bind(body.inputs[k], state[k]);
    for (size_t j = 0; j < static_cast<size_t>(num_scan); ++j) {
      const int64_t at = in_dirs[j] != 0 ? length - 1 - t : t;
      const int x = n.inputs[states + j];
      const int slice = add_temporary(g, g.value(x), g.value(x).name + "@" + std::to_string(t));
      Node gather = make_node(n, OpKind::kGather, {x, add_int64(g, g.value(x).name + "/index" + std::to_string(t), at)},
                              slice, "slice" + std::to_string(j) + "@" + std::to_string(t));
      gather.attrs.set("axis", axes[j]);
      out.push_back(std::move(gather));
      copier.bind(body.inputs[states + j], slice);
    }
    copier.copy_nodes(body, out);
    for (size_t k = 0; k < states; ++k) state[k] = copier.mapped(body.outputs[k]);
    for (size_t j = 0; j < scan_outputs; ++j) pieces[j].push_back(copier.mapped(body.outputs[states + j]));
  }
  for (size_t k = 0; k < states; ++k)
    out.push_back(make_node(n, OpKind::kIdentity, {state[k]}, n.outputs[k], "state" + std::to_string(k)));
  for (size_t j = 0; j < scan_outputs; ++j) {
    if (out_dirs[j] != 0) std::reverse(pieces[j].begin(), pieces[j].end());
    stack(g, n, pieces[j], out_axes[j], n.outputs[states + j], out);
  }
  return out;
}

}  // namespace

namespace {

void collect(const Node& n, std::vector<int>& read, std::vector<int>& written) {
  for (int id : n.inputs)
    if (id != kNoValue) read.push_back(id);
  for (int id : n.outputs) written.push_back(id);
  for (const auto& sub : n.subgraphs) {
    for (int id : sub->inputs) written.push_back(id);
    for (const Node& inner : sub->nodes) collect(inner, read, written);
    for (int id : sub->outputs) read.push_back(id);
  }
}

}  // namespace

std::vector<int> values_read(const Node& node) {
  std::vector<int> read, written;
  collect(node, read, written);
  std::sort(written.begin(), written.end());
  std::vector<int> outer;
  for (int id : read)
    if (!std::binary_search(written.begin(), written.end(), id) &&
        std::find(outer.begin(), outer.end(), id) == outer.end())
      outer.push_back(id);
  return outer;
}

std::vector<int> values_written(const Node& node) {
  std::vector<int> read, written;
  collect(node, read, written);
  return written;
}

bool is_control_flow(OpKind op) { return op == OpKind::kIf || op == OpKind::kLoop || op == OpKind::kScan; }

Result<std::vector<Node>> expand_control_flow(Graph& g, const Node& node) {
  // The operands the expansions index: present where the op requires them (inference, which
  // checks that for other ops, comes after expansion).
  auto present_from = [&](size_t first) {
    for (size_t k = first; k < node.inputs.size(); ++k)
      if (node.inputs[k] == kNoValue) return false;
    return true;
  };
  switch (node.op) {
    case OpKind::kIf:
      if (node.inputs.size() != 1 || node.inputs[0] == kNoValue) return fail(g, node, "If takes one condition");
      return expand_if(g, node);
    case OpKind::kLoop: {
      if (!present_from(2)) return fail(g, node, "a loop-carried value is missing");
      Node loop = node;  // M and cond are optional: absent trailing ones were dropped
      if (loop.inputs.size() < 2) loop.inputs.resize(2, kNoValue);
      return expand_loop(g, loop);
    }
    case OpKind::kScan:
      if (node.inputs.empty() || !present_from(0)) return fail(g, node, "a Scan input is missing");
      return expand_scan(g, node);
    default:
      return internal_error(g.source + ": " + node.describe() + " is not control flow");
  }
}

Status infer_control_flow(const Node& n, Graph& g) {
  return internal_error(g.source + ": " + n.describe() + ": control flow is expanded before inference");
}

}  // namespace outpost
