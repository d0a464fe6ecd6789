// One XNNPACK operator as a Kernel: the operator is created (and its weights packed) by a
// factory; bind() gives it the planned input and output buffers through the operator's setup
// call, once, at session creation; run() only runs it on the backend's thread pool.
#pragma once

#include <xnnpack.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/kernel.h"
#include "backends/ref/quantized_common.h"

namespace outpost::xnn {

struct OperatorDeleter {
  void operator()(xnn_operator_t op) const { xnn_delete_operator(op); }
};
using OperatorPtr = std::unique_ptr<xnn_operator, OperatorDeleter>;

// "XNNPACK: invalid parameter" for messages.
std::string status_name(xnn_status status);

// The status of a create call as ours: anything but success is kUnsupported (the reference
// backend then runs the node), naming the node and XNNPACK's reason.
Status check_create(xnn_status status, const Graph& g, const Node& n);

// XNNPACK's quantized convolutions and fully connected layers assert (an abort, in Debian's
// build) on a requantization scale, input scale x weight scale / output scale, below 2^-32, and
// refuse one of 256 or more: kUnsupported then, so the reference backend runs the node (fuzz_tflite
// crash 72bf8c62).
Status check_requantization_scales(const Graph& g, const Node& n, float input_scale,
                                   const std::vector<float>& weight_scales, float output_scale);

// The per-tensor quantization of a uint8 or int8 node (input x, constant weights, output y) as
// XNNPACK's quantized operators take it, with the fused activation's range. kUnsupported for
// what they cannot take: a parameter that is not per tensor, a bias other than int32, a zero
// point outside the dtype, a requantization scale they refuse.
struct PerTensorOperands {
  quant::TensorQuant x, w, y;
  quant::ActivationRange act;
};
Result<PerTensorOperands> per_tensor_operands(const Graph& g, const Node& n);

// The float output range of the node's fused `activation` (TFLite's none/relu/relu6/
// relu_n1_to_1), XNNPACK's output_min/output_max; kUnsupported for tanh, which XNNPACK cannot
// fuse (the reference backend then runs the node).
struct OutputRange {
  float lo, hi;
};
Result<OutputRange> fused_output_range(const Node& n, const Graph& g);

// Binds the operator to the node's planned buffers (its setup call).
using SetupFn = std::function<xnn_status(xnn_operator_t op, std::span<const TensorView> inputs,
                                         std::span<const TensorView> outputs, pthreadpool_t pool)>;

class OperatorKernel final : public Kernel {
 public:
  // `packed`: the operator copied the node's constant inputs when it was created (XNNPACK's
  // convolutions and fully connected layers pack weights and bias) and its setup ignores them.
  OperatorKernel(OperatorPtr op, SetupFn setup, pthreadpool_t pool, bool packed = false)
      : op_(std::move(op)), setup_(std::move(setup)), pool_(pool), packed_(packed) {}

  Status bind(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override;
  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override;
  bool copied_its_constants() const override { return packed_; }

 private:
  OperatorPtr op_;
  SetupFn setup_;
  pthreadpool_t pool_;
  bool packed_;
};

// The usual factory ending: `op`, just created, as a Kernel bound by `setup`.
inline std::unique_ptr<Kernel> operator_kernel(xnn_operator_t op, SetupFn setup, pthreadpool_t pool) {
  return std::make_unique<OperatorKernel>(OperatorPtr(op), std::move(setup), pool);
}

}  // namespace outpost::xnn
