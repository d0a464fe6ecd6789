// Typed node attributes: a small ordered map from name to int, float, string, or a list of ints,
// floats or strings.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace outpost {

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>>;

class Attributes {
 public:
  void set(const std::string& name, AttrValue value);
  bool has(const std::string& name) const { return find(name) != nullptr; }
  void erase(const std::string& name);

  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name) const;
  std::vector<float> get_floats(const std::string& name) const;
  std::vector<std::string> get_strings(const std::string& name) const;

  const std::vector<std::pair<std::string, AttrValue>>& items() const { return items_; }
  std::string to_string() const;  // "stride_h=2 padding=same"

 private:
  const AttrValue* find(const std::string& name) const;
  std::vector<std::pair<std::string, AttrValue>> items_;
};

}  // namespace outpost
