#include "support/test_video.h"

#include <cstdlib>

namespace outpost::testing {

bool have_ffmpeg() { return std::system("ffmpeg -version >/dev/null 2>&1") == 0; }

Image test_pattern(int width, int height) {
  Image image = Image::blank(width, height, 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>(255 * x / (width - 1));
      p[1] = static_cast<uint8_t>(255 * y / (height - 1));
      p[2] = ((x / 16 + y / 16) % 2) ? 220 : 30;
    }
  return image;
}

}  // namespace outpost::testing
