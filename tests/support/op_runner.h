// Runs one IR op on given tensors through shape inference and the reference kernel registry,
// without a model file: the harness of the per-op tests.
#pragma once

#include <vector>

#include "ir/attributes.h"
#include "ir/op_kind.h"
#include "ir/sparsity.h"
#include "outpost/tensor.h"

namespace outpost::testing {

struct OpInput {
  Tensor tensor;
  bool constant = false;  // weights, shape operands: become constants in the graph
  bool absent = false;    // an absent optional input (e.g. no bias)
  std::shared_ptr<const Sparsity> sparsity;  // for Densify inputs
};

inline OpInput absent_input() {
  OpInput in;
  in.absent = true;
  return in;
}

struct OpOutput {
  DType dtype = DType::kFloat32;
  QuantParams quant;
};

// Runs the op and returns its outputs (with shapes from inference), or the error of shape
// inference / kernel creation.
Result<std::vector<Tensor>> run_op(OpKind op, const Attributes& attrs, const std::vector<OpInput>& inputs,
                                   const std::vector<OpOutput>& outputs);

// Convenience: float tensor of `shape` filled with `values` (row-major).
Tensor make_tensor(Shape shape, const std::vector<float>& values);
template <typename T>
Tensor make_typed(Shape shape, const std::vector<T>& values, QuantParams quant = {});

}  // namespace outpost::testing
