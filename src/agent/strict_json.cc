#include "agent/strict_json.h"

#include <cmath>

#include "core/checked_json.h"

namespace outpost::agent {

namespace {

using nlohmann::json;

const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    default:
      return "a value of another type";
  }
}

}  // namespace

std::string field_path(const std::string& parent, const std::string& key) {
  return json_member_path(parent, key);
}

std::string element_path(const std::string& parent, size_t index) {
  return json_element_path(parent, index);
}

Status field_error(const std::string& what, const std::string& path, const std::string& message) {
  return invalid_model(what + ": " + (path.empty() ? "(top level)" : path) + ": " + message);
}

Result<json> parse_strict_json(std::string_view text, const std::string& what, size_t max_depth) {
  JsonParseError error;
  std::optional<json> doc = parse_checked_json(text, max_depth, &error);
  if (doc) return std::move(*doc);
  if (error.kind == JsonParseError::Kind::kSyntax)
    return invalid_model(what + ": not valid JSON: " + error.message);
  return field_error(what, error.path, error.message);
}

FieldReader::FieldReader(const json& object, std::string what, std::string path)
    : object_(object), what_(std::move(what)), path_(std::move(path)) {
  if (!object_.is_object())
    status_ =
        field_error(what_, path_, std::string("expected an object, found ") + type_name(object_));
}

Status FieldReader::check_members(std::initializer_list<const char*> known,
                                  std::initializer_list<const char*> required) {
  OUTPOST_RETURN_IF_ERROR(status_);
  for (const auto& [key, value] : object_.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (!found) {
      std::string names;
      for (const char* k : known) names += std::string(names.empty() ? "" : ", ") + k;
      return field_error(what_, field_path(path_, printable_json_key(key)),
                         "unknown field (this object takes: " + names + ")");
    }
  }
  for (const char* k : required)
    if (!has(k)) return error(k, "missing (required)");
  return Status::ok();
}

bool FieldReader::has(const char* key) const {
  return object_.is_object() && object_.contains(key);
}

Status FieldReader::error(const char* key, const std::string& message) const {
  return field_error(what_, key == nullptr ? path_ : path_of(key), message);
}

Result<std::string> FieldReader::string(const char* key, size_t max_length) const {
  const json& v = object_.at(key);
  if (!v.is_string()) return error(key, std::string("expected a string, found ") + type_name(v));
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max_length)
    return error(key, "longer than " + std::to_string(max_length) + " bytes");
  return s;
}

Result<int64_t> FieldReader::integer(const char* key, int64_t min, int64_t max) const {
  const json& v = object_.at(key);
  const std::string range = " from " + std::to_string(min) + " to " + std::to_string(max);
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(max) || (min > 0 && u < static_cast<uint64_t>(min)))
      return error(key, "out of range: expected a whole number" + range);
    return static_cast<int64_t>(u);
  }
  if (!v.is_number_integer())
    return error(key, std::string("expected a whole number, found ") + type_name(v));
  const int64_t i = v.get<int64_t>();
  if (i < min || i > max) return error(key, "out of range: expected a whole number" + range);
  return i;
}

Result<double> FieldReader::number(const char* key, double min, double max) const {
  const json& v = object_.at(key);
  if (!v.is_number()) return error(key, std::string("expected a number, found ") + type_name(v));
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < min || d > max)
    return error(key, "out of range: expected a number from " + json(min).dump() + " to " +
                          json(max).dump());
  return d;
}

Result<bool> FieldReader::boolean(const char* key) const {
  const json& v = object_.at(key);
  if (!v.is_boolean())
    return error(key, std::string("expected true or false, found ") + type_name(v));
  return v.get<bool>();
}

Result<const json*> FieldReader::array(const char* key, size_t max_size) const {
  const json& v = object_.at(key);
  if (!v.is_array()) return error(key, std::string("expected an array, found ") + type_name(v));
  if (v.size() > max_size)
    return error(key, "has " + std::to_string(v.size()) + " elements; at most " +
                          std::to_string(max_size) + " are allowed");
  return &v;
}

}  // namespace outpost::agent
