// Golden vectors: inputs stored with a bundle and the outputs the model must give for them,
// compared with the one tolerance rule of DESIGN.md (float: 1e-4 x the largest magnitude of
// the reference output; quantized: at most one step; everything else: exact).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "outpost/tensor.h"

namespace outpost::bundle {

struct GoldenTensor {
  bool input = true;
  std::string name;
  Tensor tensor;
};


// Fills `t` with a fixed pseudo-random pattern (the same on every machine): floats in [-1, 1],
// integers over their dtype's range (int32/int64 in [0, 10), so index inputs stay valid).
void fill_golden_input(Tensor& t, uint32_t seed);

struct Comparison {
  bool ok = true;
  double max_error = 0;  // largest |actual - expected| (in steps for quantized outputs)
  double tolerance = 0;
  int64_t worst_index = 0;
  std::string message;  // names the output, the index and both values when !ok
};

Comparison compare_to_golden(const Tensor& actual, const Tensor& expected, const std::string& name);

}  // namespace outpost::bundle
