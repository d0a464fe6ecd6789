// Whether one element is non-zero, as ONNX's NonZero (and numpy's truth value) reads it: +0.0
// and -0.0 are zero, NaN is not. Shared by NonZero's shape inference and its kernel.
#pragma once

#include <cstdint>
#include <cstring>

#include "outpost/dtype.h"

namespace outpost {

inline bool element_is_nonzero(const uint8_t* element, DType dtype) {
  switch (dtype) {
    case DType::kFloat32: {
      float f;
      std::memcpy(&f, element, sizeof f);
      return f != 0.0f;
    }
    case DType::kFloat64: {
      double d;
      std::memcpy(&d, element, sizeof d);
      return d != 0.0;
    }
    case DType::kFloat16:  // all bits but the sign
      return (element[0] | (element[1] & 0x7f)) != 0;
    default:
      for (size_t b = 0; b < dtype_size(dtype); ++b)
        if (element[b] != 0) return true;
      return false;
  }
}

}  // namespace outpost
