#include "ir/attributes.h"

namespace outpost {

void Attributes::set(const std::string& name, AttrValue value) {
  for (auto& item : items_) {
    if (item.first == name) {
      item.second = std::move(value);
      return;
    }
  }
  items_.emplace_back(name, std::move(value));
}

const AttrValue* Attributes::find(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return &item.second;
  return nullptr;
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  const AttrValue* v = find(name);
  if (v && std::holds_alternative<int64_t>(*v)) return std::get<int64_t>(*v);
  return fallback;
}

float Attributes::get_float(const std::string& name, float fallback) const {
  const AttrValue* v = find(name);
  if (v && std::holds_alternative<float>(*v)) return std::get<float>(*v);
  return fallback;
}

std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  const AttrValue* v = find(name);
  if (v && std::holds_alternative<std::string>(*v)) return std::get<std::string>(*v);
  return fallback;
}

std::vector<int64_t> Attributes::get_ints(const std::string& name) const {
  const AttrValue* v = find(name);
  if (v && std::holds_alternative<std::vector<int64_t>>(*v)) return std::get<std::vector<int64_t>>(*v);
  return {};
}

std::vector<float> Attributes::get_floats(const std::string& name) const {
  const AttrValue* v = find(name);
  if (v && std::holds_alternative<std::vector<float>>(*v)) return std::get<std::vector<float>>(*v);
  return {};
}

std::vector<std::string> Attributes::get_strings(const std::string& name) const {
  const AttrValue* v = find(name);
  if (v && std::holds_alternative<std::vector<std::string>>(*v))
    return std::get<std::vector<std::string>>(*v);
  return {};
}

std::string Attributes::to_string() const {
  std::string s;
  for (const auto& [name, value] : items_) {
    if (!s.empty()) s += ' ';
    s += name + '=';
    if (auto* i = std::get_if<int64_t>(&value)) s += std::to_string(*i);
    else if (auto* f = std::get_if<float>(&value)) s += std::to_string(*f);
    else if (auto* str = std::get_if<std::string>(&value)) s += *str;
    else if (auto* ints = std::get_if<std::vector<int64_t>>(&value)) {
      s += '[';
      for (size_t k = 0; k < ints->size(); ++k) {
        if (k) s += ',';
        s += std::to_string((*ints)[k]);
      }
      s += ']';
    } else if (auto* strs = std::get_if<std::vector<std::string>>(&value)) {
      s += '[';
      for (size_t k = 0; k < strs->size(); ++k) s += (k ? "," : "") + (*strs)[k];
      s += ']';
    } else {
      s += "[...]";
    }
  }
  return s;
}

void Attributes::erase(const std::string& name) {
  std::erase_if(items_, [&](const auto& item) { return item.first == name; });
}

}  // namespace outpost
