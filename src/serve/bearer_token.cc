#include "serve/bearer_token.h"

#include <algorithm>
#include <fstream>

namespace outpost::serve {
namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Every byte of both strings is read whatever the answer; only the final sum is tested.
bool constant_time_equal(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return io_error("cannot read the token file '" + path + "'");
  std::string line;
  std::getline(in, line);
  const std::string token(trim(line));
  if (token.empty()) return usage_error("the token file '" + path + "' is empty");
  return token;
}

bool authorization_matches(std::string_view header, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() < kScheme.size() || header.substr(0, kScheme.size()) != kScheme) return false;
  return constant_time_equal(trim(header.substr(kScheme.size())), token);
}

}  // namespace outpost::serve
