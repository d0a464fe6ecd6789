#include "outpost/composite_value.h"

namespace outpost {

std::string composite_type_text(const CompositeValue& v) {
  std::string element = dtype_name(v.element_dtype);
  if (!v.element_rank_known) {
    element += "[any shape]";
  } else {
    element += "[";
    for (size_t k = 0; k < v.element_shape.rank(); ++k)
      element += (k ? ", " : "") +
                 (v.element_shape[k] < 0 ? std::string("?") : std::to_string(v.element_shape[k]));
    element += "]";
  }
  if (v.sequence) element = "sequence<" + element + ">";
  return v.optional ? "optional<" + element + ">" : element;
}

}  // namespace outpost
