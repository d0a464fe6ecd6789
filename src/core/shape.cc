#include "outpost/shape.h"

#include <limits>

namespace outpost {

bool Shape::is_static() const {
  for (int64_t d : dims_)
    if (d < 0) return false;
  return true;
}

std::optional<int64_t> Shape::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims_) {
    if (d < 0) return std::nullopt;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return std::nullopt;
    n *= d;
  }
  return n;
}

std::string Shape::to_string() const {
  // Messages stay short and cheap for a hostile shape of thousands of dimensions: the first
  // eight and the last two, then the rank.
  constexpr size_t kHead = 8, kTail = 2;
  const size_t rank = dims_.size();
  const bool elide = rank > kHead + kTail + 1;
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (elide && i == kHead) {
      s += ", ...";
      i = rank - kTail - 1;
      continue;
    }
    if (i) s += ", ";
    s += dims_[i] < 0 ? std::string("?") : std::to_string(dims_[i]);
  }
  s += "]";
  if (elide) s += " (rank " + std::to_string(rank) + ")";
  return s;
}

}  // namespace outpost
