#include "outpost/session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>

#include "backends/backend.h"
#include "core/arena.h"
#include "core/cpu_count.h"
#include "core/mapped_file.h"
#include "ir/control_flow.h"
#include "ir/input_shapes.h"
#include "ir/op_schema.h"
#include "ir/passes/activation_fusion.h"
#include "ir/passes/channels_last.h"
#include "ir/passes/constant_folding.h"
#include "ir/unsupported_nodes.h"
#include "runtime/copied_constants.h"
#include "runtime/in_place.h"
#include "runtime/memory_planner.h"
#include "runtime/model_loader.h"
#include "runtime/model_stats.h"

namespace outpost {

struct Step {
  std::unique_ptr<Kernel> kernel;
  const Backend* backend = nullptr;
  std::vector<TensorView> inputs;
  std::vector<TensorView> outputs;
};

struct Session::Impl {
  Graph graph;
  ModelStats stats;
  Arena arena;
  // Highest priority first, the reference backend last. Declared before the steps, so that the
  // kernels (which use their backends' thread pools and engines) go first.
  std::vector<std::unique_ptr<Backend>> backends;
  std::vector<Step> steps;
  std::vector<Tensor> inputs, outputs;
  size_t max_arena_bytes = 0;  // SessionOptions::max_arena_bytes

  // What the session was opened from: a change of an input's shape imports it again, so that
  // everything computed at import and at prepare sees the real sizes.
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> keep_alive;
  std::string name;
  SessionOptions options;
  int threads = 1;
  std::vector<std::string> input_names;
  std::vector<Shape> signatures;  // Graph::input_signatures of the first import
  std::vector<std::vector<std::string>> dim_names;
  std::vector<Shape> bound;    // the input shapes the next plan is made for
  bool planned = false;        // graph, steps, arena and tensors follow `bound`
  std::vector<Tensor> staged;  // input data written while not planned, moved in by load()

  // A model whose shapes wait for its input data (Graph::shape_waits_for: NonZero, NMS, a shape
  // computed from the input) runs in two parts: the nodes before the first that waits are
  // planned as usual, and the rest, `tail`, is evaluated on the reference backend after them in
  // every run, the values it reads from the planned part (`boundary`) bound as constants.
  // `evaluated` holds the last run's tail, which the outputs point into.
  bool has_tail = false;
  Graph tail;
  std::vector<int> boundary;
  std::vector<Tensor> boundary_data;  // the planned part's tensors of `boundary`
  Graph evaluated;

  // Imports for `bound` and prepares; on failure the session stays unplanned.
  Status load();
  // A model whose inputs all have fixed shapes is never imported again: the session drops its
  // hold on the model's bytes (an ONNX model's weights then live in the constants alone, and
  // those that backends packed are gone too).
  void let_go_of_model_bytes();
  // Input and output tensors of the declared shapes and no data, while unplanned.
  void placeholder_tensors();
  Status resize_input(size_t i, const Shape& shape);
  Status prepare(const SessionOptions& options, int threads);
  Status choose_backends(const std::string& backend, int threads);
  // The first backend that takes `node`, judged cheaply (Backend::takes).
  const Backend* owner(const Node& node) const;
  Status run_passes();
  Result<Step> make_step(const Node& node) const;
  Status make_steps();
  Status plan();
  // Lets go of the constants only kernels with their own copy read (runtime/copied_constants.h).
  void release_copied_constants();
  // Moves graph.nodes[first...] into `tail`; the planned part's outputs become `boundary`.
  Status split_tail(size_t first);
  Status evaluate_tail();
  // The model's outputs: the graph's, or the tail's once split.
  const Graph& output_graph() const { return has_tail ? tail : graph; }
  Status run_steps();
  // The states the model keeps across runs (Graph::state_updates), as planned tensors: each
  // state, the value it takes after a run, and the constant it starts from (zeros when none).
  struct KeptState {
    Tensor state, next;
    const uint8_t* start = nullptr;
  };
  std::vector<KeptState> states;
  void reset_states();
  void carry_states();
};

namespace {

bool unbound_sequence(const CompositeValue& c) { return c.sequence && !c.absent && c.length < 0; }

OnnxBindings bindings_of(const SessionOptions& options) {
  return OnnxBindings{options.sequence_lengths, options.absent_inputs};
}

std::string composite_names(const std::vector<CompositeValue>& values, bool sequences) {
  std::string s;
  for (const CompositeValue& c : values)
    if (sequences ? c.sequence : c.optional) s += (s.empty() ? "" : ", ") + c.name;
  return s.empty() ? "none" : s;
}

// SessionOptions::sequence_lengths and ::absent_inputs name inputs of those types.
Status check_composite_bindings(const std::string& model, const Graph& graph,
                                const SessionOptions& options) {
  auto find = [&](const std::string& input) -> const CompositeValue* {
    for (const CompositeValue& c : graph.composite_inputs)
      if (c.name == input) return &c;
    return nullptr;
  };
  for (const auto& entry : options.sequence_lengths) {
    const CompositeValue* c = find(entry.first);
    if (c == nullptr || !c->sequence)
      return usage_error(model + ": the model has no sequence input '" + entry.first +
                         "' to give a length to (its sequence inputs: " +
                         composite_names(graph.composite_inputs, true) + ")");
  }
  for (const std::string& input : options.absent_inputs) {
    const CompositeValue* c = find(input);
    if (c == nullptr || !c->optional)
      return usage_error(model + ": the model has no optional input '" + input +
                         "' to leave absent (its optional inputs: " +
                         composite_names(graph.composite_inputs, false) + ")");
  }
  return Status::ok();
}

// The op name profiles and traces give the part of a model evaluated per run.
constexpr const char kEvaluatedPerRun[] = "(evaluated per run)";

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// "1x3x224x224": the declared shape as --input-shape takes it, 1 where a dimension may vary.
std::string example_dims(const Shape& signature) {
  std::string s;
  for (size_t k = 0; k < signature.rank(); ++k)
    s += (k ? "x" : "") + std::to_string(signature[k] < 0 ? 1 : signature[k]);
  return s;
}

Tensor tensor_for(const Value& v, void* data) {
  Tensor t = Tensor::view(v.dtype, v.shape, data);
  t.name = v.name;
  t.quant = v.quant;
  return t;
}

// Whether every output of the node is empty: it then has nothing to compute, and is not run
// (a kernel may still loop over the other dimensions of an empty tensor: an AveragePool of
// [100663297, 7, 50331655, 0] was a fuzz_tflite timeout, 00c35244).
bool writes_nothing(const Node& node, const Graph& graph) {
  for (int id : node.outputs)
    if (id != kNoValue && graph.value(id).shape.num_elements().value_or(1) != 0) return false;
  return !node.outputs.empty();
}

void run_nothing(std::span<const TensorView>, std::span<const TensorView>) {}

// Makes the node's reference kernel and, when asked, runs it on its constant inputs.
Status evaluate_on_reference(const Node& node, const Graph& graph, std::vector<std::vector<uint8_t>>* outputs) {
  OUTPOST_ASSIGN_OR_RETURN(auto kernel, reference_backend().make(node, graph));
  if (outputs == nullptr || writes_nothing(node, graph)) return Status::ok();
  std::vector<TensorView> in, out;
  for (int id : node.inputs) {
    if (id == kNoValue) {
      in.push_back(TensorView{});
      continue;
    }
    const Value& v = graph.value(id);
    in.push_back({v.dtype, &v.shape, const_cast<uint8_t*>(v.constant.bytes), &v.quant});
  }
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    const Value& v = graph.value(node.outputs[k]);
    out.push_back({v.dtype, &v.shape, (*outputs)[k].data(), &v.quant});
  }
  return kernel->run(in, out);
}

}  // namespace

Status Session::Impl::prepare(const SessionOptions& options, int threads) {
  for (int id : graph.inputs)
    if (graph.value(id).is_constant())
      return invalid_model(graph.source + ": graph input '" + graph.value(id).name + "' is a constant");
  count_parameters(graph, stats);
  // Every node gets a reference kernel while shapes are inferred, so that an unsupported op is
  // reported at load even when folding, or a fast backend, would have run it.
  const NodeEvaluator evaluate = [this](const Node& node, const Graph& g,
                                        std::vector<std::vector<uint8_t>>* outputs) {
    count_node(g, node, stats);
    return evaluate_on_reference(node, g, outputs);
  };
  has_tail = false;
  OUTPOST_ASSIGN_OR_RETURN(const FoldingStats folded, infer_and_fold_constants(graph, evaluate));
  stats.folded_constant_bytes = folded.bytes;
  if (folded.waiting_node >= 0) OUTPOST_RETURN_IF_ERROR(split_tail(static_cast<size_t>(folded.waiting_node)));
  // Expanded control flow made nodes the importer never checked: each value read must still be
  // written first (an arena buffer nobody writes would be read as garbage).
  OUTPOST_RETURN_IF_ERROR(graph.validate());
  OUTPOST_RETURN_IF_ERROR(choose_backends(options.backend, threads));
  OUTPOST_RETURN_IF_ERROR(run_passes());
  OUTPOST_RETURN_IF_ERROR(make_steps());
  OUTPOST_RETURN_IF_ERROR(plan());
  release_copied_constants();
  if (has_tail) {
    boundary_data = std::move(outputs);
    outputs.clear();
    for (int id : tail.outputs) outputs.push_back(tensor_for(tail.value(id), nullptr));
  }
  return Status::ok();
}

Status Session::Impl::split_tail(size_t first) {
  // What the reference backend lacks is reported now, not at the first run: the ops of the
  // tail, and of the subgraphs its control flow holds.
  UnsupportedNodes refusals;
  std::function<void(const Node&)> check = [&](const Node& node) {
    if (is_control_flow(node.op)) {
      for (const auto& sub : node.subgraphs)
        for (const Node& inner : sub->nodes) check(inner);
    } else if (!reference_backend().takes(node, graph)) {
      refusals.add(op_name(node.op), unsupported(graph.source + ": " + node.describe() + ": " +
                                                 op_name(node.op) + " is not supported"));
    }
  };
  for (size_t k = first; k < graph.nodes.size(); ++k) {
    ++stats.op_counts[op_name(graph.nodes[k].op)];
    check(graph.nodes[k]);
  }
  if (!refusals.empty()) return refusals.report(graph.source);
  if (!graph.state_updates.empty())
    return unsupported(graph.source + ": a model that keeps state across runs and whose shapes " +
                       "depend on its data is not supported");
  tail = graph;
  tail.nodes.assign(std::make_move_iterator(graph.nodes.begin() + static_cast<std::ptrdiff_t>(first)),
                    std::make_move_iterator(graph.nodes.end()));
  graph.nodes.resize(first);
  stats.nodes_evaluated_per_run = static_cast<int>(tail.nodes.size());
  std::vector<bool> made_by_tail(graph.values.size(), false);
  for (const Node& node : tail.nodes)
    for (int id : values_written(node)) made_by_tail[static_cast<size_t>(id)] = true;
  boundary.clear();
  auto cross = [&](int id) {
    if (id == kNoValue || made_by_tail[static_cast<size_t>(id)] || graph.value(id).is_constant()) return;
    if (std::find(boundary.begin(), boundary.end(), id) == boundary.end()) boundary.push_back(id);
  };
  // A body's reads from enclosing scopes cross too (a Loop adding a graph input each iteration).
  for (const Node& node : tail.nodes)
    for (int id : values_read(node)) cross(id);
  for (int id : tail.outputs) cross(id);
  tail.inputs = boundary;
  graph.outputs = boundary;
  has_tail = true;
  return Status::ok();
}

// Every run's data decides the tail's shapes: a copy of it, with the boundary's data as
// constants, is inferred and folded whole, its outputs becoming constants the session's output
// tensors view. Within SessionOptions::max_arena_bytes, as the planned part is.
Status Session::Impl::evaluate_tail() {
  Graph run = tail;  // the last run's stays, with the outputs it holds, until this one succeeds
  for (size_t k = 0; k < boundary.size(); ++k) {
    const Tensor& t = boundary_data[k];
    const auto* bytes = static_cast<const uint8_t*>(t.data());
    set_owned_constant(run.value(boundary[k]), std::vector<uint8_t>(bytes, bytes + t.byte_size()));
  }
  const FoldScope whole{true, max_arena_bytes};
  OUTPOST_RETURN_IF_ERROR(infer_and_fold_constants(run, evaluate_on_reference, whole).status());
  evaluated = std::move(run);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Value& v = evaluated.value(evaluated.outputs[i]);
    outputs[i] = tensor_for(v, const_cast<uint8_t*>(v.constant.bytes));
  }
  return Status::ok();
}

Status Session::Impl::run_steps() {
  for (Step& step : steps) OUTPOST_RETURN_IF_ERROR(step.kernel->run(step.inputs, step.outputs));
  carry_states();
  return has_tail ? evaluate_tail() : Status::ok();
}

// The backends the options allow, in priority order, each made once on one thread to ask which
// nodes it takes. The first that takes any node is made again with the session's threads; a
// backend after it that takes nothing is dropped. The reference backend stays, as the fallback.
Status Session::Impl::choose_backends(const std::string& allowed, int threads) {
  bool pool_given = false;
  for (const BackendEntry& entry : registered_backends()) {
    if (allowed != "auto" && entry.name != allowed && entry.name != kReferenceBackend) continue;
    OUTPOST_ASSIGN_OR_RETURN(auto backend, entry.create(1));
    bool takes_any = false;
    for (const Node& node : graph.nodes) takes_any = takes_any || backend->takes(node, graph);
    if (takes_any && !pool_given) {
      pool_given = true;
      if (threads != 1) {
        OUTPOST_ASSIGN_OR_RETURN(backend, entry.create(threads));
      }
      stats.threads = backend->threads();
    }
    if (takes_any || entry.name == kReferenceBackend) backends.push_back(std::move(backend));
  }
  return Status::ok();
}

const Backend* Session::Impl::owner(const Node& node) const {
  for (const auto& backend : backends)
    if (backend->takes(node, graph)) return backend.get();
  return nullptr;
}

// Fusion and the layout pass serve the fast backends; the reference backend alone runs the
// graph as imported.
Status Session::Impl::run_passes() {
  if (backends.size() < 2) return Status::ok();
  fuse_activations(graph, [this](const Node& conv, const Graph& g) {
    const Backend* b = owner(conv);
    return b != nullptr && b->applies_fused_swish(conv, g);
  });
  const ChannelsLastStats layout = convert_to_channels_last(graph, [this](const Node& n, const Graph& g) {
    const Backend* b = owner(n);
    return b != nullptr && b->takes_channels_last(n, g);
  });
  stats.channels_last_nodes = layout.nodes;
  stats.layout_transposes = layout.transposes;
  return Status::ok();
}

// A node runs on the first backend whose make() takes it.
Result<Step> Session::Impl::make_step(const Node& node) const {
  Status refused = internal_error(graph.source + ": " + node.describe() + ": no backend takes it");
  for (const auto& backend : backends) {
    auto kernel = backend->make(node, graph);
    if (kernel.is_ok()) return Step{std::move(*kernel), backend.get(), {}, {}};
    if (kernel.status().code() != StatusCode::kUnsupported) return kernel.status();
    refused = kernel.status();
  }
  return refused;
}

Status Session::Impl::make_steps() {
  stats.nodes_executed = static_cast<int>(graph.nodes.size());
  for (const Node& node : graph.nodes) {
    OUTPOST_ASSIGN_OR_RETURN(Step step, make_step(node));
    if (writes_nothing(node, graph)) step.kernel = std::make_unique<FnKernel>(run_nothing);
    ++stats.nodes_on_backend[step.backend->name()];
    steps.push_back(std::move(step));
  }
  return Status::ok();
}

Status Session::Impl::plan() {
  // Every value that is not a constant lives in the arena, from the step that writes it (or
  // the start, for graph inputs) to the last step that reads it (or the end, for outputs). An
  // elementwise node that writes over its input shares its buffer (runtime/in_place.h).
  const int end = static_cast<int>(graph.nodes.size());
  const std::vector<int> buffer_of = in_place_buffers(graph);
  std::vector<int> request_of(graph.values.size(), -1);
  std::vector<BufferRequest> requests;
  auto request = [&](int value, int step) {
    if (value == kNoValue || graph.value(value).is_constant()) return;
    const int id = buffer_of[static_cast<size_t>(value)];
    if (request_of[static_cast<size_t>(id)] < 0) {
      const Value& v = graph.value(id);
      request_of[static_cast<size_t>(id)] = static_cast<int>(requests.size());
      requests.push_back({static_cast<size_t>(v.shape.num_elements().value_or(0)) * dtype_size(v.dtype), step, step});
    }
    auto& r = requests[static_cast<size_t>(request_of[static_cast<size_t>(id)])];
    r.last_step = std::max(r.last_step, step);
  };
  for (int id : graph.inputs) request(id, 0);
  for (const Graph::StateUpdate& u : graph.state_updates) request(u.state, 0);
  for (int s = 0; s < end; ++s) {
    for (int id : graph.nodes[static_cast<size_t>(s)].outputs) request(id, s);
    for (int id : graph.nodes[static_cast<size_t>(s)].inputs) request(id, s);
  }
  // Inputs stay intact for the whole run, so a caller may run again on the same input.
  for (int id : graph.inputs) request(id, end);
  for (int id : graph.outputs) request(id, end);
  for (const Graph::StateUpdate& u : graph.state_updates) {
    request(u.state, end);
    request(u.next, end);
  }
  MemoryPlan plan = plan_memory(requests);
  if (max_arena_bytes > 0 && plan.total > max_arena_bytes)
    return unsupported(graph.source + ": the model needs " + std::to_string(plan.total) +
                       " bytes of activation memory, more than the limit of " +
                       std::to_string(max_arena_bytes) +
                       " (SessionOptions::max_arena_bytes)");
  OUTPOST_RETURN_IF_ERROR(arena.reserve(plan.total));
  stats.arena_bytes = plan.total;

  auto data_of = [&](int id) -> void* {
    const Value& v = graph.value(id);
    if (v.is_constant()) return const_cast<uint8_t*>(v.constant.bytes);
    const int buffer = buffer_of[static_cast<size_t>(id)];
    return arena.base() + plan.offsets[static_cast<size_t>(request_of[static_cast<size_t>(buffer)])];
  };
  auto view_of = [&](int id) -> TensorView {
    if (id == kNoValue) return TensorView{};
    const Value& v = graph.value(id);
    return {v.dtype, &v.shape, data_of(id), &v.quant};
  };
  for (size_t s = 0; s < graph.nodes.size(); ++s) {
    Step& step = steps[s];
    for (int id : graph.nodes[s].inputs) step.inputs.push_back(view_of(id));
    for (int id : graph.nodes[s].outputs) step.outputs.push_back(view_of(id));
    OUTPOST_RETURN_IF_ERROR(step.kernel->bind(step.inputs, step.outputs));
  }
  for (int id : graph.inputs) inputs.push_back(tensor_for(graph.value(id), data_of(id)));
  for (int id : graph.outputs) outputs.push_back(tensor_for(graph.value(id), data_of(id)));
  states.clear();
  for (const Graph::StateUpdate& u : graph.state_updates)
    states.push_back({tensor_for(graph.value(u.state), data_of(u.state)),
                      tensor_for(graph.value(u.next), data_of(u.next)),
                      u.start == kNoValue ? nullptr : graph.value(u.start).constant.bytes});
  reset_states();
  return Status::ok();
}

void Session::Impl::let_go_of_model_bytes() {
  if (!graph.composite_inputs.empty()) return;
  for (const Shape& s : signatures)
    if (is_any_rank(s) || !s.is_static()) return;
  data = nullptr;
  size = 0;
  keep_alive.reset();
}

void Session::Impl::release_copied_constants() {
  std::vector<bool> copied(steps.size());
  for (size_t s = 0; s < steps.size(); ++s) copied[s] = steps[s].kernel->copied_its_constants();
  const std::vector<int> ids = constants_read_only_by_copies(graph, copied);
  if (ids.empty()) return;
  std::vector<bool> released(graph.values.size(), false);
  for (int id : ids) {
    stats.released_constant_bytes += release_constant(graph.value(id));
    released[static_cast<size_t>(id)] = true;
  }
  // No view keeps pointing at what is gone (the kernels that were given it do not read it).
  for (size_t s = 0; s < steps.size(); ++s) {
    const std::vector<int>& in = graph.nodes[s].inputs;
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i] != kNoValue && released[static_cast<size_t>(in[i])]) steps[s].inputs[i].data = nullptr;
  }
}

void Session::Impl::reset_states() {
  for (KeptState& s : states) {
    if (s.start != nullptr) std::memcpy(s.state.data(), s.start, s.state.byte_size());
    else std::memset(s.state.data(), 0, s.state.byte_size());
  }
}

void Session::Impl::carry_states() {
  for (KeptState& s : states) std::memcpy(s.state.data(), s.next.data(), s.state.byte_size());
}

void Session::Impl::placeholder_tensors() {
  inputs.clear();
  outputs.clear();
  for (size_t i = 0; i < bound.size(); ++i) {
    Tensor t = Tensor::view(graph.value(graph.inputs[i]).dtype, bound[i], nullptr);
    t.name = input_names[i];
    inputs.push_back(t);
  }
  const Graph& g = output_graph();
  for (int id : g.outputs) outputs.push_back(tensor_for(g.value(id), nullptr));
}

Status Session::Impl::load() {
  for (const CompositeValue& c : graph.composite_inputs)
    if (unbound_sequence(c))
      return shape_mismatch(name + ": input '" + c.name + "' is a " + composite_type_text(c) +
                            " whose length is not bound: give it at load "
                            "(SessionOptions::sequence_lengths, or the CLI's --sequence-length " +
                            c.name + "=N)");
  for (size_t i = 0; i < bound.size(); ++i) {
    if (is_any_rank(bound[i]))
      return shape_mismatch(name + ": input '" + input_names[i] +
                            "' has no declared shape: give its shape (Session::resize_input, an "
                            "input tensor of that shape, or the CLI's --input-shape " +
                            input_names[i] + "=DIMS)");
    const int k = unknown_dimension(bound[i]);
    if (k < 0) continue;
    const std::string dim = k < static_cast<int>(dim_names[i].size()) && !dim_names[i][k].empty()
                                ? " ('" + dim_names[i][k] + "')"
                                : "";
    return shape_mismatch(name + ": input '" + input_names[i] + "' has shape " +
                          signature_text(bound[i], dim_names[i]) +
                          ", and its dimension " + std::to_string(k) + dim +
                          " is not known: give its shape (Session::resize_input, an input "
                          "tensor of that shape, or the CLI's --input-shape " + input_names[i] +
                          "=" + example_dims(signatures[i]) + ")");
  }
  if (data == nullptr) return internal_error(name + ": the model's bytes were let go, yet its inputs changed shape");
  steps.clear();  // before the backends whose pools and engines the kernels use
  backends.clear();
  has_tail = false;
  const std::string format = stats.format;
  stats = ModelStats{};
  stats.format = format;
  auto imported = import_model(data, size, keep_alive, name, &stats.format, bound, options.signature, &stats,
                               options.external_data_files, bindings_of(options));
  Status done = imported.status();
  if (done.is_ok()) {
    graph = std::move(imported).value();
    stats.composite_inputs = graph.composite_inputs;
    stats.composite_outputs = graph.composite_outputs;
    inputs.clear();
    outputs.clear();
    done = prepare(options, threads);
  }
  if (!done.is_ok()) {
    steps.clear();
    backends.clear();
    placeholder_tensors();
    return done;
  }
  for (size_t i = 0; i < staged.size(); ++i)
    if (staged[i].data() != nullptr && staged[i].byte_size() == inputs[i].byte_size())
      std::memcpy(inputs[i].data(), staged[i].data(), staged[i].byte_size());
  staged.assign(bound.size(), Tensor{});
  planned = true;
  return Status::ok();
}

Status Session::Impl::resize_input(size_t i, const Shape& shape) {
  if (i >= bound.size()) return usage_error("input index " + std::to_string(i) + " is out of range");
  OUTPOST_RETURN_IF_ERROR(check_input_shape(name, input_names[i], signatures[i], dim_names[i], shape));
  if (shape == bound[i]) return Status::ok();
  if (planned) {
    // Keep what the caller wrote into the inputs; load() moves it into the new plan.
    for (size_t k = 0; k < inputs.size(); ++k) {
      OUTPOST_ASSIGN_OR_RETURN(staged[k], Tensor::allocate(inputs[k].dtype(), inputs[k].shape()));
      std::memcpy(staged[k].data(), inputs[k].data(), inputs[k].byte_size());
      staged[k].name = input_names[k];
    }
    planned = false;
  }
  bound[i] = shape;
  const DType dtype = inputs[i].dtype();
  if (shape.is_static()) {
    OUTPOST_ASSIGN_OR_RETURN(staged[i], Tensor::allocate(dtype, shape));
  } else {
    staged[i] = Tensor::view(dtype, shape, nullptr);
  }
  staged[i].name = input_names[i];
  return Status::ok();
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::open(const std::string& path, const SessionOptions& options) {
  OUTPOST_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  const uint8_t* data = file->data();
  const size_t size = file->size();
  return open_buffer(data, size, std::move(file), path, options);
}

Result<std::unique_ptr<Session>> Session::open_buffer(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                                                      const std::string& name, const SessionOptions& options) {
  if (options.backend != "auto" && !find_backend(options.backend))
    return usage_error("backend '" + options.backend + "' is not built in; use auto or one of: " +
                       registered_backend_names());
  OUTPOST_ASSIGN_OR_RETURN(const int threads, resolve_thread_count(options.threads));
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.max_arena_bytes = options.max_arena_bytes;
  m.data = data;
  m.size = size;
  m.keep_alive = keep_alive;
  m.name = name;
  m.options = options;
  m.threads = threads;
  for (const auto& [input, length] : options.sequence_lengths)
    if (length < 0)
      return usage_error(name + ": sequence input '" + input + "' cannot have length " +
                         std::to_string(length) + " (a length is 0 or more)");
  OUTPOST_ASSIGN_OR_RETURN(m.graph, import_model(data, size, std::move(keep_alive), name, &m.stats.format, {},
                                                  options.signature, &m.stats, options.external_data_files,
                                                  bindings_of(options)));
  m.stats.composite_inputs = m.graph.composite_inputs;
  m.stats.composite_outputs = m.graph.composite_outputs;
  OUTPOST_RETURN_IF_ERROR(check_composite_bindings(name, m.graph, options));
  m.signatures = m.graph.input_signatures;
  m.dim_names = m.graph.input_dim_names;
  for (int id : m.graph.inputs) {
    m.input_names.push_back(m.graph.value(id).name);
    m.bound.push_back(m.graph.value(id).shape);
  }
  m.signatures.resize(m.bound.size());  // a graph that records none: its shapes are fixed
  m.dim_names.resize(m.bound.size());
  for (size_t i = 0; i < m.bound.size(); ++i)
    if (m.signatures[i].rank() != m.bound[i].rank()) m.signatures[i] = m.bound[i];
  m.staged.assign(m.bound.size(), Tensor{});
  m.placeholder_tensors();
  bool rebind = false;
  for (const auto& [input, shape] : options.input_shapes) {
    const auto it = std::find(m.input_names.begin(), m.input_names.end(), input);
    if (it == m.input_names.end())
      return usage_error(name + ": the model has no input '" + input + "' to give a shape to (its inputs: " +
                         join_names(m.input_names) + ")");
    const auto i = static_cast<size_t>(it - m.input_names.begin());
    OUTPOST_RETURN_IF_ERROR(check_input_shape(name, input, m.signatures[i], m.dim_names[i], shape));
    rebind = rebind || shape != m.bound[i];
    m.bound[i] = shape;
  }
  bool known = true;
  for (const Shape& s : m.bound) known = known && s.is_static();
  for (const CompositeValue& c : m.graph.composite_inputs) known = known && !unbound_sequence(c);
  if (rebind && known) {
    OUTPOST_RETURN_IF_ERROR(m.load());
  } else if (known) {
    m.inputs.clear();
    m.outputs.clear();
    m.let_go_of_model_bytes();  // before the backends pack copies of the weights: a lower peak
    OUTPOST_RETURN_IF_ERROR(m.prepare(options, threads));
    m.planned = true;
  } else {
    // Shapes come later (resize_input, set_input); run() says which is missing. An input whose
    // shape is known already takes its data now (input(i), set_input), and load() moves it in.
    for (size_t i = 0; i < m.bound.size(); ++i) {
      if (m.bound[i].is_static()) {
        // Within the memory limit, as the planned arena it moves into (fuzz_tflite oom-fde77893:
        // an 11.8 GB input beside one whose shape comes later).
        const size_t bytes = static_cast<size_t>(m.bound[i].num_elements().value_or(0)) *
                             dtype_size(m.inputs[i].dtype());
        if (m.max_arena_bytes > 0 && bytes > m.max_arena_bytes)
          return unsupported(name + ": input '" + m.input_names[i] + "' " + m.bound[i].to_string() +
                             " takes " + std::to_string(bytes) + " bytes, more than the limit of " +
                             std::to_string(m.max_arena_bytes) + " (SessionOptions::max_arena_bytes)");
        OUTPOST_ASSIGN_OR_RETURN(m.staged[i], Tensor::allocate(m.inputs[i].dtype(), m.bound[i]));
      } else {
        m.staged[i] = Tensor::view(m.inputs[i].dtype(), m.bound[i], nullptr);
      }
      m.staged[i].name = m.input_names[i];
    }
  }
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

size_t Session::num_inputs() const { return impl_->bound.size(); }
size_t Session::num_outputs() const { return impl_->outputs.size(); }
Tensor& Session::input(size_t i) { return impl_->planned ? impl_->inputs[i] : impl_->staged[i]; }
const Tensor& Session::output(size_t i) const { return impl_->outputs[i]; }
const ModelStats& Session::stats() const { return impl_->stats; }
const Shape& Session::input_signature(size_t i) const { return impl_->signatures[i]; }

int Session::input_index(const std::string& name) const {
  for (size_t i = 0; i < impl_->input_names.size(); ++i)
    if (impl_->input_names[i] == name) return static_cast<int>(i);
  return -1;
}

int Session::output_index(const std::string& name) const {
  for (size_t i = 0; i < impl_->outputs.size(); ++i)
    if (impl_->outputs[i].name == name) return static_cast<int>(i);
  return -1;
}

int Session::sequence_output_length(const std::string& name) const {
  for (const CompositeValue& c : impl_->stats.composite_outputs)
    if (c.name == name && c.sequence && !c.absent) return c.length;
  return -1;
}

Status Session::resize_input(size_t i, const Shape& shape) { return impl_->resize_input(i, shape); }

void Session::reset_state() {
  if (impl_->planned) impl_->reset_states();
}

Status Session::set_input(size_t i, const Tensor& tensor) {
  Impl& m = *impl_;
  if (i >= m.bound.size()) return usage_error("input index " + std::to_string(i) + " is out of range");
  const DType dtype = input(i).dtype();
  const bool fits = check_input_shape(m.name, m.input_names[i], m.signatures[i], m.dim_names[i],
                                      tensor.shape()).is_ok();
  if (tensor.dtype() != dtype || !fits)
    return shape_mismatch("input '" + m.input_names[i] + "' expects " + dtype_name(dtype) + " " +
                          signature_text(m.signatures[i], m.dim_names[i]) + ", got " +
                          dtype_name(tensor.dtype()) + " " + tensor.shape().to_string());
  OUTPOST_RETURN_IF_ERROR(m.resize_input(i, tensor.shape()));
  Tensor& dst = input(i);
  std::memcpy(dst.data(), tensor.data(), dst.byte_size());
  return Status::ok();
}

Status Session::run() {
  if (!impl_->planned) OUTPOST_RETURN_IF_ERROR(impl_->load());
  return impl_->run_steps();
}

Result<std::vector<OpProfile>> Session::profile(int runs) {
  if (runs < 1) return usage_error("profile needs at least one run");
  Impl& m = *impl_;
  if (!m.planned) OUTPOST_RETURN_IF_ERROR(m.load());
  const size_t n = m.steps.size();
  // One slot per step, and one for the tail evaluated per run (if any).
  std::vector<std::vector<double>> step_ms(n + (m.has_tail ? 1 : 0));
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  for (int r = 0; r < runs; ++r) {
    for (size_t s = 0; s < n; ++s) {
      Step& step = m.steps[s];
      const auto start = Clock::now();
      OUTPOST_RETURN_IF_ERROR(step.kernel->run(step.inputs, step.outputs));
      step_ms[s].push_back(ms_since(start));
    }
    m.carry_states();
    if (m.has_tail) {
      const auto start = Clock::now();
      OUTPOST_RETURN_IF_ERROR(m.evaluate_tail());
      step_ms[n].push_back(ms_since(start));
    }
  }
  std::map<std::pair<std::string, std::string>, OpProfile> groups;
  for (size_t s = 0; s < step_ms.size(); ++s) {
    std::vector<double>& t = step_ms[s];
    std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t.size() / 2), t.end());
    const bool tail = s == n;
    const std::string op = tail ? kEvaluatedPerRun : op_name(m.graph.nodes[s].op);
    const std::string backend = tail ? kReferenceBackend : m.steps[s].backend->name();
    OpProfile& p = groups[{op, backend}];
    p.op = op;
    p.backend = backend;
    p.nodes += tail ? static_cast<int>(m.tail.nodes.size()) : 1;
    p.ms += t[t.size() / 2];
  }
  std::vector<OpProfile> out;
  for (auto& [key, p] : groups) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const OpProfile& a, const OpProfile& b) { return a.ms > b.ms; });
  return out;
}

Result<std::vector<NodeTiming>> Session::trace(int runs) {
  if (runs < 1) return usage_error("trace needs at least one run");
  Impl& m = *impl_;
  if (!m.planned) OUTPOST_RETURN_IF_ERROR(m.load());
  using Clock = std::chrono::steady_clock;
  const size_t n = m.steps.size();
  const size_t per_run = n + (m.has_tail ? 1 : 0);  // the tail is one span
  // Only clock readings inside the loop, so that the gaps between nodes stay those of run().
  std::vector<std::pair<Clock::time_point, Clock::time_point>> spans;
  spans.reserve(per_run * static_cast<size_t>(runs));
  for (int r = 0; r < runs; ++r) {
    for (Step& step : m.steps) {
      const auto start = Clock::now();
      OUTPOST_RETURN_IF_ERROR(step.kernel->run(step.inputs, step.outputs));
      spans.emplace_back(start, Clock::now());
    }
    m.carry_states();
    if (m.has_tail) {
      const auto start = Clock::now();
      OUTPOST_RETURN_IF_ERROR(m.evaluate_tail());
      spans.emplace_back(start, Clock::now());
    }
  }
  std::vector<NodeTiming> out;
  out.reserve(spans.size());
  const auto origin = spans.empty() ? Clock::now() : spans.front().first;
  for (size_t i = 0; i < spans.size(); ++i) {
    const size_t s = i % per_run;
    NodeTiming t;
    if (s == n) {
      t.op = kEvaluatedPerRun;
      t.node = std::to_string(m.tail.nodes.size()) + " nodes evaluated with the run's data";
      t.backend = kReferenceBackend;
    } else {
      const Node& node = m.graph.nodes[s];
      t.op = op_name(node.op);
      t.node = node.name.empty() ? "node " + std::to_string(s) + " (" + t.op + ")" : node.name;
      t.backend = m.steps[s].backend->name();
    }
    t.run = static_cast<int>(i / per_run);
    t.start_ms = std::chrono::duration<double, std::milli>(spans[i].first - origin).count();
    t.ms = std::chrono::duration<double, std::milli>(spans[i].second - spans[i].first).count();
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace outpost
