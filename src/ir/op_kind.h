// OpKind: the IR's operators, generated from op_list.inc.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace outpost {

enum class OpKind : int {
#define X(name, ...) k##name,
#include "ir/op_list.inc"
#undef X
};

constexpr size_t kOpKindCount = 0
#define X(name, ...) +1
#include "ir/op_list.inc"
#undef X
    ;

const char* op_name(OpKind op);
std::optional<OpKind> op_from_name(std::string_view name);

}  // namespace outpost
