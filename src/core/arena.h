// Arena: one aligned block that holds every intermediate tensor of a session, placed by the
// memory planner. Kernels never allocate; they read and write at planned offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "outpost/status.h"

namespace outpost {

constexpr size_t kArenaAlignment = 64;

class Arena {
 public:
  Status reserve(size_t bytes);
  uint8_t* base() { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, FreeDeleter> data_;
  size_t size_ = 0;
};

inline size_t align_up(size_t n, size_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace outpost
