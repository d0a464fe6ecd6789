// libFuzzer target: the image decoders' wrapper (PNG through libpng, JPEG through
// libjpeg-turbo, BMP by hand), chosen by magic bytes as for files. No input may crash, read
// out of bounds or hit undefined behaviour, and a decoded image must be consistent.
#include <cstddef>
#include <cstdint>

#include "vision/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto image = outpost::decode_image(data, size, "fuzz image");
  if (!image.is_ok()) return 0;
  const outpost::Image& im = *image;
  const bool consistent =
      im.width > 0 && im.height > 0 && im.channels >= 1 && im.channels <= 4 &&
      im.pixels.size() == static_cast<size_t>(im.width) * im.height * im.channels;
  if (!consistent) __builtin_trap();
  return 0;
}
