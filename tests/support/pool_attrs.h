// The attributes of a 2-D pool as TFLite's AVERAGE_POOL_2D / MAX_POOL_2D import (the canonical
// MaxPool / AveragePool over NHWC): kernel and strides [h, w], SAME or VALID, a fused activation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/attributes.h"

namespace outpost::testing {

inline Attributes nhwc_pool_attrs(int64_t filter_h, int64_t filter_w, int64_t stride_h,
                                  int64_t stride_w, const std::string& padding,
                                  const std::string& activation = "none") {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{filter_h, filter_w});
  a.set("strides", std::vector<int64_t>{stride_h, stride_w});
  a.set("auto_pad", std::string(padding == "same" ? "SAME_UPPER" : "VALID"));
  a.set("channels_last", int64_t{1});
  a.set("activation", activation);
  return a;
}

}  // namespace outpost::testing
