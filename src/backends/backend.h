// The interface every backend implements, and the registry the session finds them in. A backend
// is a folder under src/backends/ with a class deriving from Backend and one registration
// function; CMake's `outpost_add_backend` (src/backends/CMakeLists.txt) builds it behind an
// option and lists it in the generated table of built-in backends. Nothing in the runtime
// names a backend: the session asks each registered one, highest priority first, whether it
// takes a node, like a TFLite delegate or an ONNX Runtime execution provider.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/kernel.h"

namespace outpost {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual const char* name() const = 0;

  // A kernel running `node` here, or kUnsupported when this backend does not take the node
  // (the next backend then tries). Any other error is the model's fault and stops the load.
  virtual Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const = 0;

  // Whether make() would take `node` as imported, judged cheaply (no weights packed, nothing
  // built). The session uses it before it builds anything, to give the thread pool to the
  // backend that will run a share of the graph.
  virtual bool takes(const Node& node, const Graph& graph) const = 0;

  // Layout preference: whether make() takes this layout-sensitive node (as imported, NCHW) once
  // the layout pass has made it channels-last (ir/passes/channels_last.h).
  virtual bool takes_channels_last(const Node& /*node*/, const Graph& /*graph*/) const {
    return false;
  }

  // Whether this backend applies a SiLU folded into the convolution `conv` as its attribute
  // `swish` (ir/passes/activation_fusion.h).
  virtual bool applies_fused_swish(const Node& /*conv*/, const Graph& /*graph*/) const {
    return false;
  }

  // The threads its kernels compute on, the caller's included.
  virtual int threads() const { return 1; }
};

// How to make a backend. `threads` is 1 (the caller's thread only) or the exact count of a
// pool; at most one backend of a session gets more than one (two pools that spin while they
// wait starve each other's barriers: docs/design/backends.md).
struct BackendEntry {
  std::string name;
  int priority = 0;  // higher is asked first
  std::function<Result<std::unique_ptr<Backend>>(int threads)> create;
};

// The backends of this process, highest priority first: those built in (the reference backend
// among them, last) and any added with register_backend.
std::vector<BackendEntry> registered_backends();

// Adds a backend from outside the build (a plug-in, a test's stub); sessions opened afterwards
// offer it nodes by its priority. kUsage if the name is taken.
Status register_backend(BackendEntry entry);

// Whether a backend called `name` is registered.
bool find_backend(const std::string& name);

// The reference backend ("ref"): every op, every dtype, the oracle. It is always built in; it
// is constant folding's evaluator and every session's fallback.
constexpr const char* kReferenceBackend = "ref";
const Backend& reference_backend();

// "onednn, xnnpack, ref": what `outpost --version` and error messages list.
std::string registered_backend_names();

}  // namespace outpost
