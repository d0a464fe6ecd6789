#include "ir/input_shapes.h"

namespace outpost {

// One dimension that no real shape has: -1 is a dimension that varies, -2 the rank itself.
constexpr int64_t kAnyRank = -2;

Shape any_rank_signature() { return Shape{kAnyRank}; }

bool is_any_rank(const Shape& signature) {
  return signature.rank() == 1 && signature[0] == kAnyRank;
}

std::string signature_text(const Shape& signature, const std::vector<std::string>& dim_names) {
  if (is_any_rank(signature)) return "[any shape]";
  std::string s = "[";
  for (size_t k = 0; k < signature.rank(); ++k) {
    if (k > 0) s += ", ";
    if (signature[k] >= 0) {
      s += std::to_string(signature[k]);
    } else {
      const std::string name = k < dim_names.size() ? dim_names[k] : "";
      s += name.empty() ? "?" : name;
    }
  }
  return s + "]";
}

Status check_input_shape(const std::string& source, const std::string& input,
                         const Shape& signature, const std::vector<std::string>& dim_names,
                         const Shape& given) {
  const bool any_rank = is_any_rank(signature);
  bool fits = any_rank || given.rank() == signature.rank();
  for (size_t k = 0; fits && k < given.rank(); ++k)
    fits = given[k] >= 0 && (any_rank || signature[k] < 0 || signature[k] == given[k]);
  if (fits) return Status::ok();
  return shape_mismatch(source + ": input '" + input + "' takes shape " +
                        signature_text(signature, dim_names) +
                        " (named or ? dimensions may take any size), got " + given.to_string());
}

int unknown_dimension(const Shape& shape) {
  for (size_t k = 0; k < shape.rank(); ++k)
    if (shape[k] < 0) return static_cast<int>(k);
  return -1;
}

}  // namespace outpost
