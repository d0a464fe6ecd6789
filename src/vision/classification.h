// Classification decoding: top-k classes of a score tensor, with labels.
#pragma once

#include <string>
#include <vector>

#include "outpost/tensor.h"

namespace outpost {

struct Classification {
  int index = 0;      // class index in the model's output
  float score = 0;    // dequantized for quantized outputs
  std::string label;  // empty when no labels were given
};

// Whether a model's outputs fit classification: output 0 one vector of scores, [N], [1, N] or
// any shape whose dimensions are all 1 but one (an ONNX [1, N, 1, 1]), N >= 2, float32, uint8
// or int8. kShapeMismatch naming every output otherwise (a detector's [1, 896, 16] boxes are
// not class scores, and their top-k would be nonsense).
Status check_classification_outputs(const std::vector<const Tensor*>& outputs);

// Labels, one per line (trailing whitespace trimmed, empty lines kept as empty labels).
Result<std::vector<std::string>> load_labels(const std::string& path);

// The k best classes of `scores` (any shape; the elements are the classes), best first, ties
// by lower index. Labels line up with classes; a label list one shorter than the classes is
// taken to omit a leading "background" class.
Result<std::vector<Classification>> top_k(const Tensor& scores, int k,
                                          const std::vector<std::string>& labels);

}  // namespace outpost
