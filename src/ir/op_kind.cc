#include "ir/op_kind.h"

#include <array>

namespace outpost {
namespace {

constexpr std::array<const char*, kOpKindCount> kOpNames = {
#define X(name, ...) #name,
#include "ir/op_list.inc"
#undef X
};

}  // namespace

const char* op_name(OpKind op) {
  auto i = static_cast<size_t>(op);
  return i < kOpNames.size() ? kOpNames[i] : "?";
}

std::optional<OpKind> op_from_name(std::string_view name) {
  for (size_t i = 0; i < kOpNames.size(); ++i)
    if (name == kOpNames[i]) return static_cast<OpKind>(i);
  return std::nullopt;
}

}  // namespace outpost
