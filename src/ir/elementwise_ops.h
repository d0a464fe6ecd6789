// Ops whose output element i depends on input element i alone (unary) or on the elements of
// its operands at i after numpy broadcasting (binary): layout-blind, and safe to compute in
// place. The layout pass and the in-place planner both read these lists.
#pragma once

#include "ir/op_kind.h"

namespace outpost {

inline bool is_elementwise_unary(OpKind op) {
  switch (op) {
    case OpKind::kRelu:
    case OpKind::kClip:
    case OpKind::kLogistic:
    case OpKind::kTanh:
    case OpKind::kHardSigmoid:
    case OpKind::kHardSwish:
    case OpKind::kLeakyRelu:
    case OpKind::kElu:
    case OpKind::kSoftplus:
    case OpKind::kAbs:
    case OpKind::kNeg:
    case OpKind::kExp:
    case OpKind::kSqrt:
    case OpKind::kErf:
    case OpKind::kIdentity:
      return true;
    default:
      return false;
  }
}

inline bool is_elementwise_binary(OpKind op) {
  return op == OpKind::kAdd || op == OpKind::kSub || op == OpKind::kMul || op == OpKind::kDiv;
}

}  // namespace outpost
