#include "core/checked_json.h"

#include <set>
#include <vector>

#include "core/utf8.h"

namespace outpost {
namespace {

using nlohmann::json;

// Thrown from the parser callback (nlohmann's way to stop a parse) and caught below.
struct Stop {
  JsonParseError error;
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
    path = f.object ? json_member_path(path, printable_json_key(f.key)) : json_element_path(path, f.index);
  }
  return path;
}

}  // namespace

std::string printable_json_key(const std::string& key) {
  constexpr size_t kMaxShown = 64;
  if (key.size() <= kMaxShown) return escape_invalid_utf8(key);
  return escape_invalid_utf8(key.substr(0, kMaxShown)) + "...";
}

std::string json_member_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string json_element_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::optional<json> parse_checked_json(std::string_view text, size_t max_depth,
                                       JsonParseError* error) {
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
          throw Stop{{JsonParseError::Kind::kTooDeep, path_of(stack, stack.size()),
                      "nested deeper than " + std::to_string(max_depth) + " levels"}};
        stack.push_back(Frame{event == json::parse_event_t::object_start, {}, 0, {}});
        break;
      case json::parse_event_t::key: {
        Frame& f = stack.back();
        std::string key = parsed.get<std::string>();
        if (!f.keys.insert(key).second)
          throw Stop{{JsonParseError::Kind::kDuplicateKey,
                      json_member_path(path_of(stack, stack.size() - 1), printable_json_key(key)),
                      "duplicate key"}};
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
  } catch (const Stop& stop) {
    *error = stop.error;
  } catch (const json::exception& e) {
    *error = {JsonParseError::Kind::kSyntax, "", e.what()};
  }
  return std::nullopt;
}

}  // namespace outpost
