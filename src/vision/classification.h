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

// Labels, one per line (trailing whitespace trimmed, empty lines kept as empty labels).
Result<std::vector<std::string>> load_labels(const std::string& path);

// The k best classes of `scores` (any shape; the elements are the classes), best first, ties
// by lower index. Labels line up with classes; a label list one shorter than the classes is
// taken to omit a leading "background" class.
Result<std::vector<Classification>> top_k(const Tensor& scores, int k,
                                          const std::vector<std::string>& labels);

}  // namespace outpost
