#include "bundle/secret_memory.h"

#include <sodium.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace outpost::bundle {

Result<std::shared_ptr<uint8_t>> allocate_secret(size_t size) {
  const size_t bytes = size == 0 ? 1 : size;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return internal_error("cannot allocate " + std::to_string(size) +
                          " bytes for a decrypted model: " + std::strerror(errno));
  // Best effort: a kernel without MADV_DONTDUMP still gives correct (if dumpable) memory.
  ::madvise(p, bytes, MADV_DONTDUMP);
  return std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [bytes](uint8_t* q) {
    sodium_memzero(q, bytes);
    ::munmap(q, bytes);
  });
}

}  // namespace outpost::bundle
