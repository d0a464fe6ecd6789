#include "ir/int64_constant.h"

#include <cstring>

namespace outpost {

int add_int64_constant(Graph& graph, const std::string& name, const std::vector<int64_t>& ints) {
  Value v;
  v.name = name;
  v.dtype = DType::kInt64;
  v.shape = Shape({static_cast<int64_t>(ints.size())});
  std::vector<uint8_t> bytes(ints.size() * sizeof(int64_t));
  if (!ints.empty()) std::memcpy(bytes.data(), ints.data(), bytes.size());
  set_owned_constant(v, std::move(bytes));
  return graph.add_value(std::move(v));
}

}  // namespace outpost
