// The attributes of a 2-D convolution as TFLite's CONV_2D and DEPTHWISE_CONV_2D import (the
// canonical Conv over NHWC with the weights in TFLite's layout, ir/conv_weights.h): strides and
// dilations [h, w], SAME or VALID, a fused activation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/attributes.h"

namespace outpost::testing {

// CONV_2D: OHWI weights, one group.
inline Attributes nhwc_conv_attrs(int64_t stride, int64_t dilation, const std::string& padding,
                                  const std::string& activation = "none") {
  Attributes a;
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("dilations", std::vector<int64_t>{dilation, dilation});
  a.set("auto_pad", std::string(padding == "same" ? "SAME_UPPER" : "VALID"));
  a.set("channels_last", int64_t{1});
  a.set("weights_layout", std::string("OHWI"));
  a.set("group", int64_t{1});
  a.set("activation", activation);
  return a;
}

// DEPTHWISE_CONV_2D over `channels` input channels: 1HWO weights, a group per channel.
inline Attributes nhwc_depthwise_attrs(int64_t channels, int64_t stride, int64_t dilation,
                                       const std::string& padding,
                                       const std::string& activation = "none") {
  Attributes a = nhwc_conv_attrs(stride, dilation, padding, activation);
  a.set("weights_layout", std::string("1HWO"));
  a.set("group", channels);
  return a;
}

}  // namespace outpost::testing
