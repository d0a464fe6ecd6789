#include "vision/segmentation.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "vision/tensor_text.h"

namespace outpost {
namespace {

// Bilinear sample of channel c of an H x W x C float map at output pixel (x, y) of a
// width x height target, with half-pixel centres (align_corners false).
float sample(const float* map, int h, int w, int channels, int c, int x, int y, int width,
             int height) {
  const float fx = std::clamp((static_cast<float>(x) + 0.5f) * static_cast<float>(w) / width - 0.5f,
                              0.0f, static_cast<float>(w - 1));
  const float fy = std::clamp((static_cast<float>(y) + 0.5f) * static_cast<float>(h) / height - 0.5f,
                              0.0f, static_cast<float>(h - 1));
  const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
  const int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
  const float ax = fx - static_cast<float>(x0), ay = fy - static_cast<float>(y0);
  auto at = [&](int yy, int xx) {
    return map[(static_cast<size_t>(yy) * w + xx) * channels + c];
  };
  const float top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * ax;
  const float bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * ax;
  return top + (bottom - top) * ay;
}

// The mask's height, width and channels from an output shape, as decode_segmentation reads it.
bool mask_dims(const Shape& s, int64_t* h, int64_t* w, int64_t* c) {
  *c = 1;
  if (s.rank() == 4 && s[0] == 1) {
    *h = s[1], *w = s[2], *c = s[3];
  } else if (s.rank() == 3 && s[0] == 1) {
    *h = s[1], *w = s[2];
  } else if (s.rank() == 2) {
    *h = s[0], *w = s[1];
  } else {
    return false;
  }
  return true;
}

// Whether `out` is `in` divided by `factor`, rounded down or up.
bool is_fraction(int64_t out, int64_t in, int64_t factor) {
  return out == in / factor || out == (in + factor - 1) / factor;
}

// Whether an out_h x out_w mask covers an in_h x in_w input at one whole stride.
bool mask_fits(int64_t out_h, int64_t out_w, int64_t in_h, int64_t in_w) {
  if (out_h <= 0 || out_w <= 0 || in_h <= 0 || in_w <= 0 || out_h > in_h || out_w > in_w)
    return false;
  for (int64_t f = 1; f <= std::max(in_h, in_w); ++f)
    if (is_fraction(out_h, in_h, f) && is_fraction(out_w, in_w, f)) return true;
  return false;
}

}  // namespace

Status check_segmentation_outputs(const Shape& input, const std::vector<const Tensor*>& outputs) {
  // NHWC [1, H, W, C] or NCHW [1, C, H, W] (NHWC when the last dimension can be channels, as
  // ImageLayout::kAuto reads it); the mask may match either reading of the input.
  const bool image = input.rank() == 4;
  const bool nhwc = image && (input[3] == 1 || input[3] == 3);
  const std::string size = !image ? input.to_string()
                           : nhwc ? std::to_string(input[1]) + "x" + std::to_string(input[2])
                                  : std::to_string(input[2]) + "x" + std::to_string(input[3]);
  const auto refuse = [&](const std::string& why) {
    return shape_mismatch("the model's outputs are " + describe_outputs(outputs) + ": " + why +
                          "; segmentation needs output 0 to be a float32 mask [1, H, W, C] or "
                          "[1, H, W] with H x W the input's " +
                          size + " or a whole fraction of it");
  };
  if (!image) return refuse("the input " + input.to_string() + " is not an image");
  if (outputs.empty()) return refuse("none");
  const Tensor& mask = *outputs[0];
  if (mask.dtype() != DType::kFloat32)
    return refuse(std::string("output 0 holds ") + dtype_name(mask.dtype()));
  int64_t h = 0, w = 0, c = 1;
  if (!mask_dims(mask.shape(), &h, &w, &c)) return refuse("output 0 is not a mask");
  if (c < 1 || c > 255) return refuse("output 0 has " + std::to_string(c) + " classes");
  if (!mask_fits(h, w, input[1], input[2]) && !mask_fits(h, w, input[2], input[3]))
    return refuse("output 0's " + std::to_string(h) + "x" + std::to_string(w) +
                  " does not cover the input's size");
  return Status::ok();
}

std::vector<double> SegmentationMask::class_fractions() const {
  std::vector<double> fractions(static_cast<size_t>(classes), 0.0);
  for (uint8_t l : labels)
    if (l < classes) fractions[l] += 1.0;
  for (double& f : fractions) f /= labels.empty() ? 1.0 : static_cast<double>(labels.size());
  return fractions;
}

Result<SegmentationMask> decode_segmentation(const Tensor& output, int width, int height,
                                             const SegmentationOptions& options) {
  const Shape& s = output.shape();
  if (output.dtype() != DType::kFloat32)
    return shape_mismatch("segmentation output must be float32, not " +
                          std::string(dtype_name(output.dtype())));
  int64_t h = 0, w = 0, c = 1;
  if (!mask_dims(s, &h, &w, &c)) {
    return shape_mismatch("segmentation output " + s.to_string() +
                          " is not [1, H, W, C], [1, H, W] or [H, W]");
  }
  if (h <= 0 || w <= 0 || c <= 0 || c > 255)
    return shape_mismatch("segmentation output " + s.to_string() +
                          " has no pixels or more than 255 classes");
  if (width <= 0 || height <= 0)
    return shape_mismatch("segmentation target size " + std::to_string(width) + "x" +
                          std::to_string(height) + " is empty");
  SegmentationMask mask;
  mask.width = width;
  mask.height = height;
  mask.classes = c == 1 ? 2 : static_cast<int>(c);
  mask.labels.resize(static_cast<size_t>(width) * height);
  const float* map = output.data_as<float>();
  const int ih = static_cast<int>(h), iw = static_cast<int>(w), ic = static_cast<int>(c);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t label = 0;
      if (ic == 1) {
        float v = sample(map, ih, iw, 1, 0, x, y, width, height);
        if (options.logits) v = 1.0f / (1.0f + std::exp(-v));
        label = v >= options.threshold ? 1 : 0;
      } else {
        float best = sample(map, ih, iw, ic, 0, x, y, width, height);
        for (int k = 1; k < ic; ++k) {
          const float v = sample(map, ih, iw, ic, k, x, y, width, height);
          if (v > best) best = v, label = static_cast<uint8_t>(k);
        }
      }
      mask.labels[static_cast<size_t>(y) * width + x] = label;
    }
  return mask;
}

void overlay_mask(Image& image, const SegmentationMask& mask, uint8_t label, Color color,
                  float alpha) {
  alpha = std::clamp(alpha, 0.0f, 1.0f);
  const int w = std::min(image.width, mask.width), h = std::min(image.height, mask.height);
  const float luma = 0.299f * color.r + 0.587f * color.g + 0.114f * color.b;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (mask.labels[static_cast<size_t>(y) * mask.width + x] != label) continue;
      uint8_t* p = image.at(x, y);
      auto blend = [alpha](uint8_t under, float over) {
        return static_cast<uint8_t>(std::lround(under + (over - under) * alpha));
      };
      if (image.channels >= 3) {
        p[0] = blend(p[0], color.r);
        p[1] = blend(p[1], color.g);
        p[2] = blend(p[2], color.b);
      } else {
        p[0] = blend(p[0], luma);
      }
    }
}

}  // namespace outpost
