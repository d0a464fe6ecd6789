// Memory for decrypted models and content keys: anonymous pages (never a file), kept out of
// core dumps, wiped before they are returned to the system.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "outpost/status.h"

namespace outpost::bundle {

// `size` writable bytes (64-byte aligned), zeroed when the last owner lets go.
Result<std::shared_ptr<uint8_t>> allocate_secret(size_t size);

}  // namespace outpost::bundle
