#include "core/json_text.h"

#include "core/utf8.h"

namespace outpost {
namespace {

using nlohmann::json;

// A copy of `j` with every string and key escaped.
json escaped(const json& j) {
  if (j.is_string()) return escape_invalid_utf8(j.get_ref<const std::string&>());
  if (j.is_array()) {
    json out = json::array();
    for (const auto& item : j) out.push_back(escaped(item));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : j.items()) out[escape_invalid_utf8(key)] = escaped(value);
    return out;
  }
  return j;
}

}  // namespace

std::string json_line(const json& j) {
  try {
    return j.dump();
  } catch (const json::type_error&) {
    // Invalid UTF-8 somewhere (nlohmann's error 316): escape it. The replace handler is only a
    // guard; after escaping there is nothing left for it to replace.
    return escaped(j).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace outpost
