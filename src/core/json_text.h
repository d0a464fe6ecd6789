// JSON text that is always valid UTF-8. File names are bytes: one from an old SD card or an
// SMB share may hold Latin-1 or other bytes that are not UTF-8, which JSON cannot carry (and
// nlohmann::json refuses to dump, with an exception). Such bytes are written as the four
// characters `\xNN` (backslash, x, two lowercase hex digits), as Python's "backslashreplace"
// does, so the line stays valid JSON and the name recognisable; valid UTF-8 is kept as it is.
// (A name that really contains the text `\x` followed by two hex digits reads the same: the
// escaping is for people and logs, not a reversible encoding.)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/utf8.h"  // escape_invalid_utf8

namespace outpost {

// `j` as one line of JSON (no newline), its strings and keys escaped as above where needed.
// Never throws for invalid UTF-8.
std::string json_line(const nlohmann::json& j);

}  // namespace outpost
