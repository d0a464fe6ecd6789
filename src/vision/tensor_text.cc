#include "vision/tensor_text.h"

namespace outpost {

std::string describe_outputs(const std::vector<const Tensor*>& outputs) {
  if (outputs.empty()) return "no outputs";
  std::string text;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = *outputs[i];
    text += (i ? ", output " : "output ") + std::to_string(i) +
            (t.name.empty() ? "" : " '" + t.name + "'") + " " + dtype_name(t.dtype()) + " " +
            t.shape().to_string();
  }
  return text;
}

}  // namespace outpost
