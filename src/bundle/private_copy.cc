#include "bundle/private_copy.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/huge_pages.h"
#include "core/regular_file.h"

namespace outpost::bundle {

Result<PrivateCopy> read_private_copy(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(RegularFile file, open_regular_file(path));
  const size_t size = file.size();
  const size_t bytes = size == 0 ? 1 : size;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return io_error("cannot allocate " + std::to_string(size) + " bytes to read '" + path +
                    "': " + std::strerror(errno));
  std::shared_ptr<const void> owner(p, [bytes](const void* q) {
    ::munmap(const_cast<void*>(q), bytes);
  });
  advise_huge_pages(p, bytes);  // before the first touch: fewer page faults while reading
  auto* out = static_cast<uint8_t*>(p);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(file.fd(), out + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read '" + path + "': " + std::strerror(errno));
    if (n == 0)
      return io_error("'" + path + "' shrank while it was read (" + std::to_string(done) +
                      " of " + std::to_string(size) + " bytes): is something writing it?");
    done += static_cast<size_t>(n);
  }
  // Read-only from here: nothing in this process changes a model after its checks either.
  ::mprotect(p, bytes, PROT_READ);
  return PrivateCopy{out, size, std::move(owner)};
}

}  // namespace outpost::bundle
