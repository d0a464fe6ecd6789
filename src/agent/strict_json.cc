#include "agent/strict_json.h"

#include <cmath>
#include <set>
#include <vector>

#include "core/utf8.h"

namespace outpost::agent {

namespace {

using nlohmann::json;

// A key as it may appear in a message: bounded, and valid UTF-8 whatever the input held.
std::string printable_key(const std::string& key) {
  constexpr size_t kMaxShown = 64;
  if (key.size() <= kMaxShown) return escape_invalid_utf8(key);
  return escape_invalid_utf8(key.substr(0, kMaxShown)) + "...";
}

// Thrown from the parser callback (nlohmann's way to stop a parse) and caught below.
struct StrictJsonError {
  std::string path;
  std::string message;
};

// Where the parser is: one frame per open object or array.
struct Frame {
  bool object = true;
  std::string key;   // the member being read (objects)
  size_t index = 0;  // elements finished so far (arrays)
  std::set<std::string> keys;
};

std::string path_of(const std::vector<Frame>& stack, size_t frames) {
  std::string path;
  for (size_t i = 0; i < frames; ++i) {
    const Frame& f = stack[i];
    path = f.object ? field_path(path, printable_key(f.key)) : element_path(path, f.index);
  }
  return path;
}

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
  return parent.empty() ? key : parent + "." + key;
}

std::string element_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

Status field_error(const std::string& what, const std::string& path, const std::string& message) {
  return invalid_model(what + ": " + (path.empty() ? "(top level)" : path) + ": " + message);
}

Result<json> parse_strict_json(std::string_view text, const std::string& what, size_t max_depth) {
  std::vector<Frame> stack;
  // An element of an array is finished by its value, or by the end of the object or array it is.
  auto element_done = [&stack] {
    if (!stack.empty() && !stack.back().object) ++stack.back().index;
  };
  json::parser_callback_t callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (stack.size() >= max_depth)
          throw StrictJsonError{path_of(stack, stack.size()),
                                "nested deeper than " + std::to_string(max_depth) + " levels"};
        stack.push_back(Frame{event == json::parse_event_t::object_start, {}, 0, {}});
        break;
      case json::parse_event_t::key: {
        Frame& f = stack.back();
        std::string key = parsed.get<std::string>();
        if (!f.keys.insert(key).second)
          throw StrictJsonError{field_path(path_of(stack, stack.size() - 1), printable_key(key)),
                                "duplicate key"};
        f.key = std::move(key);
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const StrictJsonError& e) {
    return field_error(what, e.path, e.message);
  } catch (const json::exception& e) {
    return invalid_model(what + ": not valid JSON: " + e.what());
  }
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
      return field_error(what_, field_path(path_, printable_key(key)),
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
