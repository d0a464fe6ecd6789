// The plan of an ONNX Einsum equation ("ij,jk->ik", "...ii->...i", implicit "i,i"): every
// label (letters, and one per broadcast ellipsis dimension) with its extent, and per operand
// and for the output the element stride each label moves by. A label repeated within an
// operand (a diagonal) adds its strides; a label absent from the output is summed over.
// Shape inference builds it to check the node; the reference kernel builds it again to run.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace outpost {

struct EinsumPlan {
  std::vector<int64_t> extent;               // per label
  std::vector<std::vector<int64_t>> stride;  // [operand][label]; 0 where the label is absent
  std::vector<int64_t> out_stride;           // [label]; 0 for summed labels
  Shape out_shape;
  int64_t iterations = 1;  // product of all extents
};

Result<EinsumPlan> plan_einsum(const Graph& g, const Node& n);

}  // namespace outpost
