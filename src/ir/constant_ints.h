// The values of an int32 or int64 constant (shape operands, axes, pads, repeats...) as int64.
// Callers check first that `v` is such a constant; each says in its own words what it expected.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "ir/graph.h"

namespace outpost {

inline std::vector<int64_t> constant_ints(const Value& v) {
  const size_t elem = v.dtype == DType::kInt64 ? 8 : 4;
  std::vector<int64_t> r(v.constant.size / elem);
  for (size_t k = 0; k < r.size(); ++k) {
    if (elem == 4) {
      int32_t x;
      std::memcpy(&x, v.constant.bytes + 4 * k, 4);
      r[k] = x;
    } else {
      std::memcpy(&r[k], v.constant.bytes + 8 * k, 8);
    }
  }
  return r;
}

}  // namespace outpost
