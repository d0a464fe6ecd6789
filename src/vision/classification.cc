#include "vision/classification.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "core/mapped_file.h"
#include "vision/tensor_text.h"

namespace outpost {

Status check_classification_outputs(const std::vector<const Tensor*>& outputs) {
  const auto refuse = [&](const std::string& why) {
    return shape_mismatch("the model's outputs are " + describe_outputs(outputs) + ": " + why +
                          "; classification needs output 0 to be one vector of class scores "
                          "([1, N] or [N], float32, uint8 or int8)");
  };
  if (outputs.empty()) return refuse("none");
  const Tensor& scores = *outputs[0];
  const DType dtype = scores.dtype();
  if (dtype != DType::kFloat32 && dtype != DType::kUInt8 && dtype != DType::kInt8)
    return refuse(std::string("output 0 holds ") + dtype_name(dtype));
  const auto& dims = scores.shape().dims();
  int longer = 0;       // dimensions other than 1; an unknown batch (dimension 0) counts as 1
  int64_t classes = 1;  // the vector's length
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i == 0 && dims[i] < 0) continue;
    if (dims[i] != 1) ++longer;
    classes *= dims[i];
  }
  if (longer > 1) return refuse("output 0 is not a vector");
  if (classes < 2) return refuse("output 0 holds fewer than two scores");
  return Status::ok();
}

Result<std::vector<std::string>> load_labels(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  std::vector<std::string> labels;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    labels.push_back(line);
  }
  if (labels.empty()) return io_error("labels file '" + path + "' is empty");
  return labels;
}

Result<std::vector<Classification>> top_k(const Tensor& scores, int k,
                                          const std::vector<std::string>& labels) {
  const int64_t n = scores.num_elements();
  if (n <= 0) return shape_mismatch("output '" + scores.name + "' is empty");
  std::vector<float> values(static_cast<size_t>(n));
  const float scale = scores.quant.empty() ? 1.0f : scores.quant.scale[0];
  const float zero = scores.quant.empty() ? 0.0f : static_cast<float>(scores.quant.zero_point[0]);
  for (int64_t i = 0; i < n; ++i) {
    switch (scores.dtype()) {
      case DType::kFloat32:
        values[i] = scores.data_as<float>()[i];
        break;
      case DType::kUInt8:
        values[i] = scale * (scores.data_as<uint8_t>()[i] - zero);
        break;
      case DType::kInt8:
        values[i] = scale * (scores.data_as<int8_t>()[i] - zero);
        break;
      default:
        return unsupported("output '" + scores.name + "' has dtype " + dtype_name(scores.dtype()) +
                           "; classification needs float32, uint8 or int8 scores");
    }
  }
  if (!labels.empty() && static_cast<int64_t>(labels.size()) != n &&
      static_cast<int64_t>(labels.size()) != n - 1)
    return shape_mismatch("the labels file has " + std::to_string(labels.size()) +
                          " labels but the model has " + std::to_string(n) + " classes");
  const int64_t label_offset = static_cast<int64_t>(labels.size()) == n - 1 ? 1 : 0;
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const size_t count = static_cast<size_t>(std::clamp<int64_t>(k, 1, n));
  std::partial_sort(
      order.begin(), order.begin() + static_cast<long>(count), order.end(),
      [&](int a, int b) { return values[a] > values[b] || (values[a] == values[b] && a < b); });
  std::vector<Classification> result;
  for (size_t r = 0; r < count; ++r) {
    Classification c;
    c.index = order[r];
    c.score = values[static_cast<size_t>(c.index)];
    const int64_t li = c.index - label_offset;
    if (!labels.empty() && li >= 0) c.label = labels[static_cast<size_t>(li)];
    result.push_back(std::move(c));
  }
  return result;
}

}  // namespace outpost
