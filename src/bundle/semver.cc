#include "bundle/semver.h"

#include <algorithm>
#include <cctype>

namespace outpost::bundle {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

bool valid_identifier(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

}  // namespace

Result<SemVer> parse_semver(const std::string& text, const std::string& what) {
  auto bad = [&] {
    return usage_error(what + " '" + text +
                       "' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.0)");
  };
  if (text.empty() || text.size() > 128) return bad();
  const size_t plus = text.find('+');
  std::string core = text.substr(0, plus);
  if (plus != std::string::npos)
    for (const auto& id : split(text.substr(plus + 1), '.'))
      if (!valid_identifier(id)) return bad();
  SemVer v;
  v.text = text;
  const size_t dash = core.find('-');
  if (dash != std::string::npos) {
    v.prerelease = split(core.substr(dash + 1), '.');
    for (const auto& id : v.prerelease)
      if (!valid_identifier(id) || (all_digits(id) && id.size() > 1 && id[0] == '0')) return bad();
    core.resize(dash);
  }
  const auto nums = split(core, '.');
  if (nums.size() != 3) return bad();
  long* fields[3] = {&v.major, &v.minor, &v.patch};
  for (int i = 0; i < 3; ++i) {
    const std::string& n = nums[static_cast<size_t>(i)];
    if (!all_digits(n) || n.size() > 9 || (n.size() > 1 && n[0] == '0')) return bad();
    *fields[i] = std::stol(n);
  }
  return v;
}

int compare_semver(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  // A release outranks any of its pre-releases.
  if (a.prerelease.empty() || b.prerelease.empty())
    return a.prerelease.empty() == b.prerelease.empty() ? 0 : (a.prerelease.empty() ? 1 : -1);
  for (size_t i = 0; i < std::min(a.prerelease.size(), b.prerelease.size()); ++i) {
    const std::string& x = a.prerelease[i];
    const std::string& y = b.prerelease[i];
    const bool xn = all_digits(x), yn = all_digits(y);
    if (xn && yn) {
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x != y) return x < y ? -1 : 1;
    } else if (xn != yn) {
      return xn ? -1 : 1;  // numeric identifiers sort before alphanumeric ones
    } else if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace outpost::bundle
