// A model file read into this process's own memory before anything checks it: a file mapping
// would let whoever can write the file change the model after its signature or its importer's
// checks passed (a shared mapping sees every write; even a private one sees writes to pages it
// has not touched yet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "outpost/status.h"

namespace outpost::bundle {

struct PrivateCopy {
  const uint8_t* data = nullptr;  // page-aligned, read-only once filled
  size_t size = 0;
  std::shared_ptr<const void> keep_alive;  // owns `data`
};

// Reads the regular file `path` (kIoError naming it otherwise) into anonymous memory.
Result<PrivateCopy> read_private_copy(const std::string& path);

}  // namespace outpost::bundle
