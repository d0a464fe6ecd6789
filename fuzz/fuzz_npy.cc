// libFuzzer target: the .npy reader (the CLI's tensor input format). No input may crash, read
// out of bounds or hit undefined behaviour, and a parsed tensor must hold its declared bytes.
#include <cstddef>
#include <cstdint>

#include "core/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto tensor = outpost::parse_npy(data, size, "fuzz.npy");
  if (!tensor.is_ok()) return 0;
  // The payload follows the header inside `data`, so it can never be larger than the input.
  if (tensor->byte_size() > size) __builtin_trap();
  if (tensor->byte_size() > 0 && tensor->data() == nullptr) __builtin_trap();
  return 0;
}
