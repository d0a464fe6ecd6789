#include "outpost/session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "backends/ref/registry.h"
#include "backends/onednn/onednn_backend.h"
#include "backends/xnnpack/xnnpack_backend.h"
#include "core/arena.h"
#include "core/cpu_count.h"
#include "core/mapped_file.h"
#include "ir/op_schema.h"
#include "runtime/activation_fusion.h"
#include "runtime/channels_last.h"
#include "runtime/constant_folding.h"
#include "runtime/in_place.h"
#include "runtime/memory_planner.h"
#include "runtime/model_loader.h"
#include "runtime/model_stats.h"

namespace outpost {

struct Step {
  std::unique_ptr<Kernel> kernel;
  const char* backend = "ref";
  std::vector<TensorView> inputs;
  std::vector<TensorView> outputs;
};

struct Session::Impl {
  Graph graph;
  ModelStats stats;
  Arena arena;
  // Declared before the steps, so that the kernels (which use their thread pools and engines)
  // go first.
  std::unique_ptr<XnnpackBackend> xnnpack;
  std::unique_ptr<OnednnBackend> onednn;
  std::vector<Step> steps;
  std::vector<Tensor> inputs, outputs;
  size_t max_arena_bytes = 0;  // SessionOptions::max_arena_bytes

  Status prepare(const KernelRegistry& kernels);
  // The kernel of the first backend that takes the node: oneDNN (ONNX convolutions), XNNPACK,
  // then the reference backend. `backend` names it.
  Result<std::unique_ptr<Kernel>> make_kernel(const Node& node, const KernelRegistry& kernels, const char** backend);
  Status plan();
};

namespace {

Tensor tensor_for(const Value& v, void* data) {
  Tensor t = Tensor::view(v.dtype, v.shape, data);
  t.name = v.name;
  t.quant = v.quant;
  return t;
}

}  // namespace

Status Session::Impl::prepare(const KernelRegistry& kernels) {
  for (int id : graph.inputs)
    if (graph.value(id).is_constant())
      return invalid_model(graph.source + ": graph input '" + graph.value(id).name + "' is a constant");
  OUTPOST_RETURN_IF_ERROR(infer_shapes(graph));
  // Every node gets a kernel before folding, so that an unsupported op is reported at load
  // even when folding would have run it.
  for (const Node& node : graph.nodes) {
    auto kernel = kernels.make(node, graph);
    if (!kernel.is_ok()) return kernel.status();
  }
  count_graph(graph, stats);
  OUTPOST_ASSIGN_OR_RETURN(stats.folded_constant_bytes, fold_constants(graph, kernels));
  // The fast backends clamp inside the convolution; the reference backend alone keeps the
  // graph as imported.
  if (xnnpack || onednn) {
    fuse_activations(graph, [this](const Node& conv, const Graph& g) {
      return onednn && onednn->takes_channels_last(conv, g);
    });
    const ChannelsLastStats layout = convert_to_channels_last(graph, [this](const Node& n, const Graph& g) {
      return (onednn && onednn->takes_channels_last(n, g)) || (xnnpack && xnnpack->takes_channels_last(n, g));
    });
    stats.channels_last_nodes = layout.nodes;
    stats.layout_transposes = layout.transposes;
  }
  stats.nodes_executed = static_cast<int>(graph.nodes.size());
  for (const Node& node : graph.nodes) {
    const char* backend = "ref";
    OUTPOST_ASSIGN_OR_RETURN(auto kernel, make_kernel(node, kernels, &backend));
    steps.push_back(Step{std::move(kernel), backend, {}, {}});
  }
  return plan();
}

Result<std::unique_ptr<Kernel>> Session::Impl::make_kernel(const Node& node, const KernelRegistry& kernels,
                                                           const char** backend) {
  if (onednn) {
    auto kernel = onednn->make(node, graph);
    if (kernel.is_ok()) {
      ++stats.nodes_on_onednn;
      *backend = "onednn";
      return kernel;
    }
    if (kernel.status().code() != StatusCode::kUnsupported) return kernel.status();
  }
  if (xnnpack) {
    auto kernel = xnnpack->make(node, graph);
    if (kernel.is_ok()) {
      ++stats.nodes_on_xnnpack;
      *backend = "xnnpack";
      return kernel;
    }
    if (kernel.status().code() != StatusCode::kUnsupported) return kernel.status();
  }
  return kernels.make(node, graph);
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
  if (options.backend != "auto" && options.backend != "ref" && options.backend != "xnnpack" &&
      options.backend != "onednn")
    return usage_error("backend '" + options.backend + "' is not built in; use auto, xnnpack, onednn or ref");
  OUTPOST_ASSIGN_OR_RETURN(const int threads, resolve_thread_count(options.threads));
  auto impl = std::make_unique<Impl>();
  impl->max_arena_bytes = options.max_arena_bytes;
  OUTPOST_ASSIGN_OR_RETURN(impl->graph, import_model(data, size, std::move(keep_alive), name, &impl->stats.format));
  // oneDNN takes ONNX's convolutions; TFLite graphs (NHWC) run on XNNPACK alone.
  const bool use_onednn =
      options.backend == "onednn" || (options.backend == "auto" && impl->stats.format == "onnx");
  if (use_onednn) {
    OUTPOST_ASSIGN_OR_RETURN(impl->onednn, OnednnBackend::create(threads));
    impl->stats.threads = impl->onednn->threads();
  }
  if (options.backend == "auto" || options.backend == "xnnpack") {
    // Two thread pools that spin while they wait (OpenMP's under oneDNN, pthreadpool's under
    // XNNPACK) take turns badly: each one's idle spinning starves the other's barriers (ResNet-18
    // at 2 threads: 161 ms mixed, 31 ms on oneDNN's threads alone). Beside oneDNN, XNNPACK
    // runs its share on the caller's thread.
    OUTPOST_ASSIGN_OR_RETURN(impl->xnnpack, XnnpackBackend::create(use_onednn ? 1 : threads));
    if (!use_onednn) impl->stats.threads = impl->xnnpack->threads();
  }
  OUTPOST_RETURN_IF_ERROR(impl->prepare(reference_kernels()));
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
  for (Step& step : impl_->steps) step.kernel->run(step.inputs, step.outputs);
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
      step.kernel->run(step.inputs, step.outputs);
      step_ms[s].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
  }
  std::map<std::pair<std::string, std::string>, OpProfile> groups;
  for (size_t s = 0; s < n; ++s) {
    std::vector<double>& t = step_ms[s];
    std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t.size() / 2), t.end());
    const std::string op = op_name(impl_->graph.nodes[s].op);
    const std::string backend = impl_->steps[s].backend;
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

}  // namespace outpost
