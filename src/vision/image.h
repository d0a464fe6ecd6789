// Image: 8-bit pixels in memory, the currency of the vision layer (decoders produce it, resize
// and drawing transform it, preprocessing turns it into a Tensor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace outpost {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;             // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  std::vector<uint8_t> pixels;  // RGB(A), row-major, interleaved, no row padding

  // A zero-filled image; the caller guarantees sane sizes (decoders check theirs first).
  static Image blank(int width, int height, int channels) {
    Image image{width, height, channels, {}};
    image.pixels.assign(static_cast<size_t>(width) * height * channels, 0);
    return image;
  }
  size_t row_bytes() const { return static_cast<size_t>(width) * channels; }
  uint8_t* at(int x, int y) {
    return pixels.data() + y * row_bytes() + static_cast<size_t>(x) * channels;
  }
  const uint8_t* at(int x, int y) const {
    return pixels.data() + y * row_bytes() + static_cast<size_t>(x) * channels;
  }
};

// Decoders refuse images beyond these, so a hostile header cannot ask for gigabytes: 32768
// pixels a side covers any camera, and 2^28 pixels (1 GiB as RGBA) any real photo.
inline constexpr int kMaxImageDimension = 1 << 15;
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

}  // namespace outpost
