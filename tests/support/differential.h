// The harness of the differential backend test (tests/backends/differential_test.cc): one-node
// graphs built by hand (no model file), random data, the channels-last form the fast backends
// take, and the comparison with the reference backend's answer under DESIGN.md's tolerances.
//
// run_on() and backend_takes() are the only functions here that call into a backend or a
// kernel: when the backend interface changes, they are what changes.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "support/op_runner.h"

namespace outpost::testing {

// A one-node graph (node 0, shapes inferred) and the data of its graph inputs, in order.
struct OpCase {
  Graph graph;
  std::vector<Tensor> inputs;
};

// Builds the one-node graph: constants become constant values, absent inputs kNoValue, and
// shape inference runs (its error is returned).
Result<OpCase> make_case(OpKind op, const Attributes& attrs, const std::vector<OpInput>& inputs,
                         const std::vector<OpOutput>& outputs);

// The fast backends built in, by the names run_on() takes.
const std::vector<std::string>& fast_backends();

// What `backend` ("ref", "xnnpack", "onednn") says about node 0 of `graph`: ok when it makes a
// kernel for it, kUnsupported when it does not take it.
Status backend_takes(const std::string& backend, const Graph& graph);

// Runs node 0 of `graph` on `backend` with the graph inputs' data `inputs` and returns its
// outputs. Every buffer has XNNPACK's read-past-the-end slack, as the session's arena does.
// `output_over_input` >= 0 makes output 0 share the buffer of that node input (in place, as the
// memory planner does for elementwise ops); the input's data is copied into it first.
Result<std::vector<Tensor>> run_on(const std::string& backend, const Graph& graph,
                                   const std::vector<Tensor>& inputs, int output_over_input = -1);

// The channels-last form of a layout-sensitive case (Conv, MaxPool, GlobalAveragePool) as the
// layout pass makes it: attribute channels_last = 1, 4-D input 0 and output 0 in NHWC.
OpCase to_channels_last(const OpCase& nchw);
// [N, H, W, C] data back to [N, C, H, W] (any element type).
Tensor nhwc_to_nchw(const Tensor& nhwc);

// Random data.
using Rng = std::mt19937;
Tensor random_floats(const Shape& shape, float lo, float hi, Rng& rng);
// Uniform over [lo, hi] of an integer dtype (uint8, int8, int32), with `quant` attached.
Tensor random_ints(DType dtype, const Shape& shape, int64_t lo, int64_t hi,
                   const QuantParams& quant, Rng& rng);
float uniform(float lo, float hi, Rng& rng);
int64_t uniform_int(int64_t lo, int64_t hi, Rng& rng);
QuantParams per_tensor(float scale, int64_t zero_point);

// How far `got` is from the reference `want`: floats within kFloatTolerance x the largest
// magnitude of `want`; 8-bit quantized values within kQuantizedSteps steps.
constexpr double kFloatTolerance = 1e-4;
constexpr int64_t kQuantizedSteps = 1;
struct Difference {
  std::string mismatch;      // empty when within tolerance, else the first element out of it
  double max_abs = 0;        // largest |got - want| (steps, for quantized outputs)
  double ref_magnitude = 0;  // largest |want| (floats)
  double relative() const { return ref_magnitude > 0 ? max_abs / ref_magnitude : max_abs; }
};
Difference compare_outputs(const Tensor& got, const Tensor& want);

}  // namespace outpost::testing
