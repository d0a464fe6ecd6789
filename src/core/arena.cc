#include "core/arena.h"

#include <cstdlib>
#include <cstring>

#include "core/huge_pages.h"

namespace outpost {

void Arena::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

Status Arena::reserve(size_t bytes) {
  // One alignment unit of slack past the last buffer: XNNPACK's micro-kernels may read up to 16
  // bytes (XNN_EXTRA_BYTES) beyond the end of a tensor they are given.
  size_t rounded = align_up(bytes == 0 ? kArenaAlignment : bytes, kArenaAlignment) + kArenaAlignment;
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(kArenaAlignment, rounded));
  if (!p) return internal_error("out of memory: cannot reserve an arena of " + std::to_string(bytes) + " bytes");
  advise_huge_pages(p, rounded);  // before the memset, which touches every page
  std::memset(p, 0, rounded);
  data_.reset(p);
  size_ = bytes;
  return Status::ok();
}

}  // namespace outpost
