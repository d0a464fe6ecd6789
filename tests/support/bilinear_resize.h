// A Resize node as TFLite's RESIZE_BILINEAR imports: linear, its flags as the coordinate
// transformation, and (x, no roi, no scales, sizes [N, out_h, out_w, C]) of an NHWC x.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/op_runner.h"

namespace outpost::testing {

inline Attributes bilinear_resize_attrs(bool align_corners, bool half_pixel) {
  Attributes a;
  a.set("mode", std::string("linear"));
  a.set("coordinate_transformation_mode", std::string(align_corners ? "align_corners"
                                                      : half_pixel  ? "half_pixel"
                                                                    : "asymmetric"));
  return a;
}

inline std::vector<OpInput> bilinear_resize_inputs(OpInput x, int64_t out_h, int64_t out_w) {
  const Shape& s = x.tensor.shape();
  OpInput sizes{make_typed<int64_t>({4}, {s[0], out_h, out_w, s[3]})};
  sizes.constant = true;
  return {std::move(x), absent_input(), absent_input(), std::move(sizes)};
}

}  // namespace outpost::testing
