// Places tensors in one arena from their lifetimes: greedy by size, largest first, each at the
// lowest offset that no tensor alive at the same time occupies.
#pragma once

#include <cstddef>
#include <vector>

namespace outpost {

struct BufferRequest {
  size_t size = 0;
  int first_step = 0;  // the step that writes it (0 for graph inputs)
  int last_step = 0;   // the last step that reads it (the end for graph outputs)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request, 64-byte aligned
  size_t total = 0;
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace outpost
