// NumPy .npy files (format versions 1-3, little endian, C order): the tensor file format of
// the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "outpost/tensor.h"

namespace outpost {

Result<Tensor> load_npy(const std::string& path);
Result<Tensor> parse_npy(const uint8_t* data, size_t size, const std::string& what);
Status save_npy(const std::string& path, const Tensor& tensor);
// The bytes of a version 1.0 .npy file holding `tensor` (what save_npy writes).
std::vector<uint8_t> encode_npy(const Tensor& tensor);

}  // namespace outpost
