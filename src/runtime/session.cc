#include "outpost/session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "backends/backend.h"
#include "core/arena.h"
#include "core/cpu_count.h"
#include "core/mapped_file.h"
#include "ir/op_schema.h"
#include "ir/passes/activation_fusion.h"
#include "ir/passes/channels_last.h"
#include "ir/passes/constant_folding.h"
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

  Status prepare(const SessionOptions& options, int threads);
  Status choose_backends(const std::string& backend, int threads);
  // The first backend that takes `node`, judged cheaply (Backend::takes).
  const Backend* owner(const Node& node) const;
  Status run_passes();
  Result<Step> make_step(const Node& node) const;
  Status make_steps();
  Status plan();
};

namespace {

Tensor tensor_for(const Value& v, void* data) {
  Tensor t = Tensor::view(v.dtype, v.shape, data);
  t.name = v.name;
  t.quant = v.quant;
  return t;
}

// Makes the node's reference kernel and, when asked, runs it on its constant inputs.
Status evaluate_on_reference(const Node& node, const Graph& graph, std::vector<std::vector<uint8_t>>* outputs) {
  OUTPOST_ASSIGN_OR_RETURN(auto kernel, reference_backend().make(node, graph));
  if (outputs == nullptr) return Status::ok();
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
  OUTPOST_ASSIGN_OR_RETURN(const FoldingStats folded, infer_and_fold_constants(graph, evaluate));
  stats.folded_constant_bytes = folded.bytes;
  OUTPOST_RETURN_IF_ERROR(choose_backends(options.backend, threads));
  OUTPOST_RETURN_IF_ERROR(run_passes());
  OUTPOST_RETURN_IF_ERROR(make_steps());
  return plan();
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
  for (int s = 0; s < end; ++s) {
    for (int id : graph.nodes[static_cast<size_t>(s)].outputs) request(id, s);
    for (int id : graph.nodes[static_cast<size_t>(s)].inputs) request(id, s);
  }
  // Inputs stay intact for the whole run, so a caller may run again on the same input.
  for (int id : graph.inputs) request(id, end);
  for (int id : graph.outputs) request(id, end);
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
  impl->max_arena_bytes = options.max_arena_bytes;
  OUTPOST_ASSIGN_OR_RETURN(impl->graph, import_model(data, size, std::move(keep_alive), name, &impl->stats.format));
  OUTPOST_RETURN_IF_ERROR(impl->prepare(options, threads));
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

size_t Session::num_inputs() const { return impl_->inputs.size(); }
size_t Session::num_outputs() const { return impl_->outputs.size(); }
Tensor& Session::input(size_t i) { return impl_->inputs[i]; }
const Tensor& Session::output(size_t i) const { return impl_->outputs[i]; }
const ModelStats& Session::stats() const { return impl_->stats; }

int Session::input_index(const std::string& name) const {
  for (size_t i = 0; i < impl_->inputs.size(); ++i)
    if (impl_->inputs[i].name == name) return static_cast<int>(i);
  return -1;
}

Status Session::set_input(size_t i, const Tensor& tensor) {
  if (i >= impl_->inputs.size()) return usage_error("input index " + std::to_string(i) + " is out of range");
  Tensor& dst = impl_->inputs[i];
  if (tensor.dtype() != dst.dtype() || tensor.shape() != dst.shape())
    return shape_mismatch("input '" + dst.name + "' expects " + dtype_name(dst.dtype()) + " " + dst.shape().to_string() +
                          ", got " + dtype_name(tensor.dtype()) + " " + tensor.shape().to_string());
  std::memcpy(dst.data(), tensor.data(), dst.byte_size());
  return Status::ok();
}

Status Session::run() {
  for (Step& step : impl_->steps) OUTPOST_RETURN_IF_ERROR(step.kernel->run(step.inputs, step.outputs));
  return Status::ok();
}

Result<std::vector<OpProfile>> Session::profile(int runs) {
  if (runs < 1) return usage_error("profile needs at least one run");
  const size_t n = impl_->steps.size();
  std::vector<std::vector<double>> step_ms(n);
  for (int r = 0; r < runs; ++r) {
    for (size_t s = 0; s < n; ++s) {
      Step& step = impl_->steps[s];
      const auto start = std::chrono::steady_clock::now();
      OUTPOST_RETURN_IF_ERROR(step.kernel->run(step.inputs, step.outputs));
      step_ms[s].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
  }
  std::map<std::pair<std::string, std::string>, OpProfile> groups;
  for (size_t s = 0; s < n; ++s) {
    std::vector<double>& t = step_ms[s];
    std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t.size() / 2), t.end());
    const std::string op = op_name(impl_->graph.nodes[s].op);
    const std::string backend = impl_->steps[s].backend->name();
    OpProfile& p = groups[{op, backend}];
    p.op = op;
    p.backend = backend;
    ++p.nodes;
    p.ms += t[t.size() / 2];
  }
  std::vector<OpProfile> out;
  for (auto& [key, p] : groups) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const OpProfile& a, const OpProfile& b) { return a.ms > b.ms; });
  return out;
}

Result<std::vector<NodeTiming>> Session::trace(int runs) {
  if (runs < 1) return usage_error("trace needs at least one run");
  using Clock = std::chrono::steady_clock;
  const size_t n = impl_->steps.size();
  // Only clock readings inside the loop, so that the gaps between nodes stay those of run().
  std::vector<std::pair<Clock::time_point, Clock::time_point>> spans;
  spans.reserve(n * static_cast<size_t>(runs));
  for (int r = 0; r < runs; ++r) {
    for (Step& step : impl_->steps) {
      const auto start = Clock::now();
      OUTPOST_RETURN_IF_ERROR(step.kernel->run(step.inputs, step.outputs));
      spans.emplace_back(start, Clock::now());
    }
  }
  std::vector<NodeTiming> out;
  out.reserve(spans.size());
  const auto origin = spans.empty() ? Clock::now() : spans.front().first;
  for (size_t i = 0; i < spans.size(); ++i) {
    const size_t s = i % n;
    const Node& node = impl_->graph.nodes[s];
    NodeTiming t;
    t.op = op_name(node.op);
    t.node = node.name.empty() ? "node " + std::to_string(s) + " (" + t.op + ")" : node.name;
    t.backend = impl_->steps[s].backend->name();
    t.run = static_cast<int>(i / n);
    t.start_ms = std::chrono::duration<double, std::milli>(spans[i].first - origin).count();
    t.ms = std::chrono::duration<double, std::milli>(spans[i].second - spans[i].first).count();
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace outpost
