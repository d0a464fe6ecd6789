// The kernel interface every backend implements (backends/backend.h makes kernels). A kernel is
// made once per node at session creation (the factory validates dtypes and attributes and
// precomputes everything: TFLite's "prepare"), then run() only computes, reading and writing
// planned memory; it never allocates.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "ir/graph.h"
#include "outpost/dtype.h"
#include "outpost/quant_params.h"
#include "outpost/shape.h"

namespace outpost {

// What a kernel sees of one tensor at run time. Shapes and quantization are fixed at creation.
struct TensorView {
  DType dtype = DType::kFloat32;
  const Shape* shape = nullptr;
  void* data = nullptr;
  const QuantParams* quant = nullptr;

  template <typename T>
  T* as() const {
    return static_cast<T*>(data);
  }
  int64_t num_elements() const { return shape->num_elements().value_or(0); }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Called once, after memory planning, with the very buffers every run() will get: a kernel
  // that prepares pointer-dependent state (XNNPACK's setup, its indirection buffers) does it
  // here, so that run() neither allocates nor can fail.
  virtual Status bind(std::span<const TensorView> /*inputs*/, std::span<const TensorView> /*outputs*/) {
    return Status::ok();
  }
  // inputs[i].data is nullptr for an absent optional input. A plain loop cannot fail and
  // returns ok; a library underneath that can (XNNPACK's status, oneDNN's exceptions) reports
  // it here, and the session hands it to its caller.
  virtual Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) = 0;
  // True when the kernel made its own copy of its constant inputs at creation (weights packed
  // into its library's layout) and neither bind() nor run() reads them: the session then lets
  // go of a constant that only such kernels read, so weights are not kept resident twice.
  virtual bool copied_its_constants() const { return false; }
};

// Makes the kernel for `node`, or returns kUnsupported if this factory does not handle the
// node's dtypes (a backend's op table then tries its next factory for the op).
using KernelFactory = Result<std::unique_ptr<Kernel>> (*)(const Node& node, const Graph& graph);

// Kernels that need nothing precomputed can wrap a plain function.
using KernelFn = void (*)(std::span<const TensorView> inputs, std::span<const TensorView> outputs);
class FnKernel final : public Kernel {
 public:
  explicit FnKernel(KernelFn fn) : fn_(fn) {}
  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    fn_(inputs, outputs);
    return Status::ok();
  }

 private:
  KernelFn fn_;
};

// Helpers for factories.
inline const Value& input_of(const Graph& g, const Node& n, size_t i) { return g.value(n.inputs[i]); }
inline const Value& output_of(const Graph& g, const Node& n, size_t i = 0) { return g.value(n.outputs[i]); }
inline bool has_input(const Node& n, size_t i) { return i < n.inputs.size() && n.inputs[i] != kNoValue; }
Status not_handled(const Graph& g, const Node& n, const std::string& why);  // kUnsupported

}  // namespace outpost
