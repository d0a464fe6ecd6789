// Reading and writing image files. The format is chosen by the file's magic bytes, not its
// name, so a mislabelled file still loads and an unknown one fails with a clear message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "outpost/status.h"
#include "vision/image.h"

namespace outpost {

// PNG, JPEG or BMP from a file. Errors (kIoError, exit code 3) name the file and say what is
// wrong. min_width/min_height (> 0) let a JPEG decode at a reduced DCT scale that is still at
// least that large (other formats ignore them): for callers that resize to a model's input.
Result<Image> load_image(const std::string& path, int min_width = 0, int min_height = 0);
// The same from bytes in memory; `what` names them in errors.
Result<Image> decode_image(const uint8_t* data, size_t size, const std::string& what,
                           int min_width = 0, int min_height = 0);

// Writes the image (1-4 channels) as PNG, replacing any existing file.
Status save_png(const std::string& path, const Image& image);
// PNG or JPEG (quality 90) by the path's extension (.png, .jpg, .jpeg; case-insensitive);
// anything else is a usage error naming the supported extensions.
Status save_image(const std::string& path, const Image& image);

}  // namespace outpost
