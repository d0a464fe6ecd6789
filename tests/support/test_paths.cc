#include "support/test_paths.h"

#include <cstdlib>
#include <filesystem>

namespace outpost::testing {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

std::string shared_data_dir() {
  return env_or("OUTPOST_SHARED_DATA", OUTPOST_SOURCE_DIR "/../shared/data");
}

std::string cache_dir() { return env_or("OUTPOST_CACHE", OUTPOST_SOURCE_DIR "/.cache"); }

std::string shared_data_path(const std::string& relative) {
  return shared_data_dir() + "/" + relative;
}

std::string cache_path(const std::string& relative) { return cache_dir() + "/" + relative; }

bool path_exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  char* made = mkdtemp(pattern.data());
  return made ? std::string(made) : std::string();
}

}  // namespace outpost::testing
