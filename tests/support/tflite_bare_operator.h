// Asks translate_operator about a builtin code or a custom op name alone: an operator with no
// fields, so every option takes its default (which each translated builtin accepts) and a
// custom op has no options (which each translated custom op refuses as invalid, not as
// unsupported). kUnsupported therefore means "not translated".
#pragma once

#include <cstdint>
#include <string>

#include "outpost/status.h"

namespace outpost::testing {

Status translate_bare_operator(int32_t code, const std::string& custom_code = "");

}  // namespace outpost::testing
