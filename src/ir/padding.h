// Output size and leading padding of a windowed op (conv, pool) under TFLite's SAME/VALID rules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace outpost {

struct WindowGeometry {
  int64_t out = 0;
  int64_t pad_before = 0;
};

inline WindowGeometry window_geometry(const std::string& padding, int64_t in, int64_t filter,
                                      int64_t stride, int64_t dilation) {
  const int64_t effective = (filter - 1) * dilation + 1;
  WindowGeometry g;
  if (padding == "same") {
    g.out = (in + stride - 1) / stride;
  } else {
    g.out = in >= effective ? (in - effective + stride) / stride : 0;
  }
  const int64_t total = std::max<int64_t>((g.out - 1) * stride + effective - in, 0);
  g.pad_before = padding == "same" ? total / 2 : 0;
  return g;
}

}  // namespace outpost
