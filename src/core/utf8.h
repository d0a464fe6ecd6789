// UTF-8 checks for text that leaves the process as JSON: file names are bytes on Linux and
// need not be UTF-8 (old SD cards, SMB shares), while JSON text must be.
#pragma once

#include <string>
#include <string_view>

namespace outpost {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` with every byte that is not part of a well-formed UTF-8 sequence written as the four
// characters \xNN (lower-case hex), as Python's "backslashreplace" error handler does; valid
// text passes unchanged.
std::string escape_invalid_utf8(std::string_view s);

}  // namespace outpost
