// Reading and writing image files. The format is chosen by the file's magic bytes, not its
// name, so a mislabelled file still loads and an unknown one fails with a clear message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "outpost/status.h"
#include "vision/image.h"

namespace outpost {

// PNG or BMP from a file. Errors (kIoError, exit code 3) name the file and say what is wrong.
Result<Image> load_image(const std::string& path);
// The same from bytes in memory; `what` names them in errors.
Result<Image> decode_image(const uint8_t* data, size_t size, const std::string& what);

// Writes the image (1-4 channels) as PNG, replacing any existing file.
Status save_png(const std::string& path, const Image& image);

}  // namespace outpost
