// NumPy .npy files (format versions 1-3, little endian, C order): the tensor file format of
// the CLI.
#pragma once

#include <string>

#include "outpost/tensor.h"

namespace outpost {

Result<Tensor> load_npy(const std::string& path);
Result<Tensor> parse_npy(const uint8_t* data, size_t size, const std::string& what);
Status save_npy(const std::string& path, const Tensor& tensor);

}  // namespace outpost
