// Reading JSON that came from elsewhere (a manifest, the agent's own state file) strictly: every
// error names the field by its path (`modules[1].bundles[0].sha256`), so that whoever wrote the
// file can find it, and nothing the format does not define is silently ignored.
//
// nlohmann::json alone keeps the last of two duplicate keys and accepts any key: a signed
// manifest with `"version": 1, ..., "version": 9` would mean different things to readers that
// keep the first or the last, so duplicates are refused while parsing, with their path.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "outpost/status.h"

namespace outpost::agent {

// Parses `text` with duplicate keys and nesting deeper than `max_depth` refused. Errors are
// kInvalidModel, "WHAT: PATH: ..." (`what` names the file).
Result<nlohmann::json> parse_strict_json(std::string_view text, const std::string& what,
                                         size_t max_depth = 32);

// "a.b", "a[3]": the path of a member or an element, for messages.
std::string field_path(const std::string& parent, const std::string& key);
std::string element_path(const std::string& parent, size_t index);

// Typed reads of one object's members. Each error is kInvalidModel "PATH: expected ...".
class FieldReader {
 public:
  // `what` prefixes every message (the file's name); `path` is the object's own path ("" at the
  // top). Refuses a value that is not an object.
  FieldReader(const nlohmann::json& object, std::string what, std::string path);

  // Fails on a member not in `known`, or a member of `required` that is absent.
  Status check_members(std::initializer_list<const char*> known,
                       std::initializer_list<const char*> required);

  bool has(const char* key) const;
  const nlohmann::json& at(const char* key) const { return object_.at(key); }
  std::string path_of(const char* key) const { return field_path(path_, key); }
  // An error about member `key` (or the object itself when null).
  Status error(const char* key, const std::string& message) const;

  Result<std::string> string(const char* key, size_t max_length) const;
  Result<int64_t> integer(const char* key, int64_t min, int64_t max) const;
  Result<double> number(const char* key, double min, double max) const;
  Result<bool> boolean(const char* key) const;
  // The member, which must be an array of at most `max_size` elements.
  Result<const nlohmann::json*> array(const char* key, size_t max_size) const;

 private:
  const nlohmann::json& object_;
  std::string what_;
  std::string path_;
  Status status_;  // not an object
};

// kInvalidModel "WHAT: PATH: MESSAGE" (PATH "(top level)" when empty).
Status field_error(const std::string& what, const std::string& path, const std::string& message);

}  // namespace outpost::agent
