// Parsing JSON that a person or another program wrote (a pipeline file, a manifest, the
// agent's configuration), with what nlohmann::json lets pass refused: a key given twice in
// one object (nlohmann keeps the last without a word, so `"min_score": 0.5, ...,
// "min_score": -1` would mean different things to readers that keep the first or the last)
// and nesting deeper than a bound. Problems come back with their path (`sinks[1].type`), for
// each caller to word in its own voice.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace outpost {

struct JsonParseError {
  enum class Kind { kSyntax, kDuplicateKey, kTooDeep };
  Kind kind = Kind::kSyntax;
  std::string path;     // where: "" for the top level (and for syntax errors)
  std::string message;  // "duplicate key", "nested deeper than 32 levels", or the parser's
};

// The document, or nullopt with `*error` set. Keys in paths are shown bounded and as valid
// UTF-8 (core/utf8.h), whatever the text held.
std::optional<nlohmann::json> parse_checked_json(std::string_view text, size_t max_depth,
                                                 JsonParseError* error);

// A key as a message may show it: at most 64 bytes, and valid UTF-8 whatever the text held.
std::string printable_json_key(const std::string& key);

// "a.b", "a[3]": the path of a member or an element.
std::string json_member_path(const std::string& parent, const std::string& key);
std::string json_element_path(const std::string& parent, size_t index);

}  // namespace outpost
