#include "vision/image_tensor.h"

#include <algorithm>
#include <cmath>

#include "vision/resize.h"

namespace outpost {
namespace {

bool is_channels(int64_t d) { return d == 1 || d == 3; }

}  // namespace

Status image_to_tensor(const Image& image, Tensor& input, const ImageToTensorOptions& options) {
  const Shape& s = input.shape();
  ImageLayout layout = options.layout;
  if (layout == ImageLayout::kAuto && s.rank() == 4)
    layout = is_channels(s[3]) || !is_channels(s[1]) ? ImageLayout::kNhwc : ImageLayout::kNchw;
  const bool nchw = layout == ImageLayout::kNchw;
  if (s.rank() != 4 || s[0] != 1 || !is_channels(nchw ? s[1] : s[3]))
    return shape_mismatch("model input '" + input.name + "' has shape " + s.to_string() +
                          "; an image input must be [1, height, width, 3] (NHWC) or [1, 3, height, width] "
                          "(NCHW), or 1 channel");
  const int h = static_cast<int>(nchw ? s[2] : s[1]), w = static_cast<int>(nchw ? s[3] : s[2]);
  const int c = static_cast<int>(nchw ? s[1] : s[3]);
  OUTPOST_ASSIGN_OR_RETURN(Image resized, resize_bilinear(image, w, h, options.antialias));
  const int64_t pixels = int64_t{h} * w;
  auto channel = [&](int64_t p, int k) -> uint8_t {
    const uint8_t* px = resized.pixels.data() + p * resized.channels;
    if (c == 1) {  // luma of RGB, or the gray value
      if (resized.channels < 3) return px[0];
      return static_cast<uint8_t>(std::lround(0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]));
    }
    return resized.channels >= 3 ? px[k] : px[0];
  };
  for (int64_t p = 0; p < pixels; ++p) {
    for (int k = 0; k < c; ++k) {
      const uint8_t v = channel(p, k);
      const int64_t i = nchw ? k * pixels + p : p * c + k;
      switch (input.dtype()) {
        case DType::kUInt8:
          // Quantized image models take raw pixels: their input scale (1/128 with zero point
          // 128, or 1/255) maps them to the normalized range the network was trained on.
          input.data_as<uint8_t>()[i] = v;
          break;
        case DType::kInt8:  // the same, shifted into int8's range
          input.data_as<int8_t>()[i] = static_cast<int8_t>(static_cast<int>(v) - 128);
          break;
        case DType::kFloat32:
          input.data_as<float>()[i] = (static_cast<float>(v) - options.mean[k]) / options.std[k];
          break;
        default:
          return unsupported(std::string("model input '") + input.name + "' has dtype " +
                             dtype_name(input.dtype()) +
                             "; images can feed uint8, int8 or float32 inputs");
      }
    }
  }
  return Status::ok();
}

}  // namespace outpost
