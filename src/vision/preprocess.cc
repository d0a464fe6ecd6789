#include "vision/preprocess.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace outpost {
namespace {

// For one axis of the input: which frame pixels each input pixel reads and with what weights
// (they sum to 1), or none where a letterbox pads. Built once per call; the per-pixel work is
// then a small weighted sum, which keeps the pass single and the filters uniform.
struct AxisTaps {
  std::vector<int> first;     // first frame pixel per input pixel
  std::vector<int> begin;     // into weights; begin[i + 1] - begin[i] taps (0: padding)
  std::vector<float> weights;
};

void add_tap(AxisTaps& taps, int& first, int index, float weight) {
  if (taps.weights.size() == static_cast<size_t>(taps.begin.back())) first = index;
  const size_t slot = taps.begin.back() + static_cast<size_t>(index - first);
  if (slot >= taps.weights.size()) taps.weights.resize(slot + 1, 0.0f);
  taps.weights[slot] += weight;
}

AxisTaps axis_taps(int inputs, int frame_size, double scale, double offset, ResizeFilter filter) {
  AxisTaps taps;
  taps.begin.push_back(0);
  for (int o = 0; o < inputs; ++o) {
    const double centre = offset + (o + 0.5) * scale;
    int first = 0;
    if (centre >= 0 && centre < frame_size) {
      switch (filter) {
        case ResizeFilter::kNearest:
          add_tap(taps, first, std::clamp(static_cast<int>(std::floor(centre)), 0, frame_size - 1),
                  1.0f);
          break;
        case ResizeFilter::kBilinear: {
          const double s = centre - 0.5;
          const double i0 = std::floor(s);
          const float f = static_cast<float>(s - i0);
          const int a = std::clamp(static_cast<int>(i0), 0, frame_size - 1);
          const int b = std::clamp(static_cast<int>(i0) + 1, 0, frame_size - 1);
          add_tap(taps, first, a, 1.0f - f);
          add_tap(taps, first, b, f);
          break;
        }
        case ResizeFilter::kArea: {
          const double lo = std::max(0.0, offset + o * scale);
          const double hi = std::min(static_cast<double>(frame_size), offset + (o + 1) * scale);
          const double total = hi - lo;
          for (int i = static_cast<int>(std::floor(lo)); i < hi; ++i) {
            const double cover = std::min(hi, i + 1.0) - std::max(lo, static_cast<double>(i));
            if (cover > 0) add_tap(taps, first, i, static_cast<float>(cover / total));
          }
          break;
        }
      }
    }
    taps.first.push_back(first);
    taps.begin.push_back(static_cast<int>(taps.weights.size()));
  }
  return taps;
}

bool is_channels(int64_t d) { return d == 1 || d == 3; }

// The input's geometry: which dimension holds what.
struct InputGeometry {
  bool nchw = false;
  int width = 0, height = 0, channels = 0;
};

Result<InputGeometry> input_geometry(const Tensor& input, ImageLayout layout) {
  const Shape& s = input.shape();
  if (layout == ImageLayout::kAuto && s.rank() == 4)
    layout = is_channels(s[3]) || !is_channels(s[1]) ? ImageLayout::kNhwc : ImageLayout::kNchw;
  InputGeometry g;
  g.nchw = layout == ImageLayout::kNchw;
  if (s.rank() != 4 || s[0] != 1 || !is_channels(g.nchw ? s[1] : s[3]) || s[1] < 1 || s[2] < 1 ||
      s[3] < 1)
    return shape_mismatch("model input '" + input.name + "' has shape " + s.to_string() +
                          "; an image input must be [1, height, width, 3] (NHWC) or [1, 3, height, "
                          "width] (NCHW), or 1 channel");
  g.height = static_cast<int>(g.nchw ? s[2] : s[1]);
  g.width = static_cast<int>(g.nchw ? s[3] : s[2]);
  g.channels = static_cast<int>(g.nchw ? s[1] : s[3]);
  return g;
}

// Writes one normalized value into the input in its dtype.
class ValueWriter {
 public:
  static Result<ValueWriter> make(Tensor& input) {
    ValueWriter w;
    w.dtype_ = input.dtype();
    w.data_ = input.data();
    if (w.dtype_ == DType::kFloat32) return w;
    if (w.dtype_ != DType::kUInt8 && w.dtype_ != DType::kInt8)
      return unsupported("model input '" + input.name + "' has dtype " + dtype_name(w.dtype_) +
                         "; images can feed float32, uint8 or int8 inputs");
    if (input.quant.empty() || input.quant.per_channel() || !(input.quant.scale[0] > 0))
      return unsupported("model input '" + input.name +
                         "' is 8-bit without one positive quantization scale; cannot quantize an "
                         "image into it");
    w.inv_scale_ = 1.0f / input.quant.scale[0];
    w.zero_point_ = static_cast<float>(input.quant.zero_point[0]);
    return w;
  }
  void write(int64_t i, float value) const {
    if (dtype_ == DType::kFloat32) {
      static_cast<float*>(data_)[i] = value;
      return;
    }
    const float q = std::nearbyint(value * inv_scale_) + zero_point_;
    if (dtype_ == DType::kUInt8)
      static_cast<uint8_t*>(data_)[i] = static_cast<uint8_t>(std::clamp(q, 0.0f, 255.0f));
    else
      static_cast<int8_t*>(data_)[i] = static_cast<int8_t>(std::clamp(q, -128.0f, 127.0f));
  }

 private:
  DType dtype_ = DType::kFloat32;
  void* data_ = nullptr;
  float inv_scale_ = 1.0f, zero_point_ = 0.0f;
};

}  // namespace

FrameMapping frame_mapping(int frame_width, int frame_height, int input_width, int input_height,
                           FitMode fit) {
  const double sx = static_cast<double>(frame_width) / input_width;
  const double sy = static_cast<double>(frame_height) / input_height;
  FrameMapping m;
  if (fit == FitMode::kStretch) {
    m.scale_x = sx;
    m.scale_y = sy;
    return m;
  }
  // Crop: the smaller ratio, so the input is covered; letterbox: the larger, so the frame fits.
  const double s = fit == FitMode::kCenterCrop ? std::min(sx, sy) : std::max(sx, sy);
  m.scale_x = m.scale_y = s;
  m.offset_x = (frame_width - input_width * s) / 2.0;
  m.offset_y = (frame_height - input_height * s) / 2.0;
  return m;
}

Result<FrameMapping> preprocess_image(const Image& image, const Preprocess& spec, Tensor& input) {
  if (image.width < 1 || image.height < 1 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    return usage_error("the image to preprocess is empty or malformed");
  OUTPOST_ASSIGN_OR_RETURN(InputGeometry g, input_geometry(input, spec.layout));
  OUTPOST_ASSIGN_OR_RETURN(ValueWriter writer, ValueWriter::make(input));
  const FrameMapping map = frame_mapping(image.width, image.height, g.width, g.height, spec.fit);
  const AxisTaps xs = axis_taps(g.width, image.width, map.scale_x, map.offset_x, spec.filter);
  const AxisTaps ys = axis_taps(g.height, image.height, map.scale_y, map.offset_y, spec.filter);

  const bool gray = image.channels < 3;
  const int64_t plane = int64_t{g.height} * g.width;
  float rgb[3];
  for (int y = 0; y < g.height; ++y) {
    for (int x = 0; x < g.width; ++x) {
      const int ty = ys.begin[y + 1] - ys.begin[y], tx = xs.begin[x + 1] - xs.begin[x];
      if (ty == 0 || tx == 0) {
        for (int c = 0; c < 3; ++c) rgb[c] = spec.pad[c];
      } else {
        rgb[0] = rgb[1] = rgb[2] = 0.0f;
        for (int j = 0; j < ty; ++j) {
          const float wy = ys.weights[ys.begin[y] + j];
          const uint8_t* row = image.at(xs.first[x], ys.first[y] + j);
          for (int i = 0; i < tx; ++i) {
            const float w = wy * xs.weights[xs.begin[x] + i];
            const uint8_t* px = row + static_cast<size_t>(i) * image.channels;
            if (gray) {
              rgb[0] += w * px[0];
            } else {
              rgb[0] += w * px[0];
              rgb[1] += w * px[1];
              rgb[2] += w * px[2];
            }
          }
        }
        if (gray) rgb[1] = rgb[2] = rgb[0];
      }
      const int64_t pixel = int64_t{y} * g.width + x;
      if (g.channels == 1) {
        const float luma = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
        writer.write(pixel, (luma - spec.mean[0]) / spec.std[0]);
        continue;
      }
      for (int c = 0; c < 3; ++c) {
        const float v = (rgb[spec.bgr ? 2 - c : c] - spec.mean[c]) / spec.std[c];
        writer.write(g.nchw ? c * plane + pixel : pixel * 3 + c, v);
      }
    }
  }
  return map;
}

}  // namespace outpost
