// TFLite's FULLY_CONNECTED as the IR's Gemm. TFLite reads its input as rows of I values whatever
// its rank, and gives [rows, O] or, with keep_num_dims, the input's leading dimensions and O;
// Gemm multiplies matrices. The importer therefore puts a Reshape to [rows, I] before the Gemm
// when the input is not that matrix already, and a Reshape to the kept dimensions after it.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost::tflite {

// `gemm` is the translated operator (op Gemm, transB 1, `activation`, `keep_num_dims`) with its
// inputs and outputs resolved. Returns the nodes that replace it, in execution order, adding
// the values between them to `graph`; `keep_num_dims` is gone from the Gemm. kInvalidModel for
// operands TFLite would refuse; kUnsupported for the hybrid form (float input, 8-bit weights).
Result<std::vector<Node>> lower_fully_connected(Graph& graph, Node gemm, const std::string& where);

}  // namespace outpost::tflite
