// In-memory image codecs behind image_io.h. `what` names the source (usually the file path)
// in error messages. Exposed separately so fuzzers and tests can feed bytes directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "outpost/status.h"
#include "vision/image.h"

namespace outpost {

// Any PNG (palette, gray, 16-bit, interlaced, with or without alpha) as 8-bit RGB, or RGBA
// when the file carries transparency.
Result<Image> decode_png(const uint8_t* data, size_t size, const std::string& what);
// Gray, gray+alpha, RGB or RGBA 8-bit images.
Result<std::vector<uint8_t>> encode_png(const Image& image);

// Uncompressed 24-bit and 32-bit BMP (BI_RGB, or BI_BITFIELDS with 8-bit channel masks),
// bottom-up or top-down, as RGB (RGBA when the masks include alpha).
Result<Image> decode_bmp(const uint8_t* data, size_t size, const std::string& what);

// Baseline and progressive JPEG (gray, YCbCr, CMYK) as 8-bit RGB. With min_width/min_height
// > 0, libjpeg-turbo's DCT-domain scaling decodes at 1/2, 1/4 or 1/8 size when the result is
// still at least that large: much faster when a model wants far fewer pixels than a photo has.
Result<Image> decode_jpeg(const uint8_t* data, size_t size, const std::string& what,
                          int min_width = 0, int min_height = 0);
// Gray or RGB 8-bit images, quality 1-100.
Result<std::vector<uint8_t>> encode_jpeg(const Image& image, int quality = 90);

bool is_png(const uint8_t* data, size_t size);
bool is_jpeg(const uint8_t* data, size_t size);
bool is_bmp(const uint8_t* data, size_t size);

}  // namespace outpost
