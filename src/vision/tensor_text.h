// Tensors as error messages name them, so a user sees what a model gives beside what a task
// needs: "output 0 'regressors' float32 [1, 896, 16]".
#pragma once

#include <string>
#include <vector>

#include "outpost/tensor.h"

namespace outpost {

// "output 0 'a' float32 [1, 896, 16], output 1 'b' float32 [1, 896, 1]" ("no outputs" when
// there are none).
std::string describe_outputs(const std::vector<const Tensor*>& outputs);

}  // namespace outpost
