// A model input set read from files: what calibration and the held-out comparison of
// `outpost optimize` run the model on.
#pragma once

#include <string>
#include <vector>

#include "outpost/tensor.h"

namespace outpost::optimize {

struct Sample {
  std::vector<Tensor> inputs;  // one per model input, in the model's order, owning their data
  std::string source;          // the file(s) it came from, for messages
};

}  // namespace outpost::optimize
