// Where tests find data that is not in the repository: the shared reference data
// (OUTPOST_SHARED_DATA, default <repo>/../shared/data) and the fetched cache (OUTPOST_CACHE,
// default <repo>/.cache, filled by scripts/fetch-data). Tests that need either skip, naming
// the missing path, so the suite passes on a machine without them.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace outpost::testing {

std::string shared_data_dir();
std::string cache_dir();
// dir + "/" + relative
std::string shared_data_path(const std::string& relative);
std::string cache_path(const std::string& relative);
bool path_exists(const std::string& path);

// A fresh empty directory under the system temp dir, removed by the caller if it cares.
std::string make_temp_dir(const std::string& prefix);

}  // namespace outpost::testing

// Skips the current test unless `path` exists; use at the top of a TEST body.
#define OUTPOST_SKIP_UNLESS_EXISTS(path)                                                      \
  do {                                                                                        \
    const std::string outpost_required_path_ = (path);                                        \
    if (!::outpost::testing::path_exists(outpost_required_path_))                             \
      GTEST_SKIP() << "missing " << outpost_required_path_                                    \
                   << " (set OUTPOST_SHARED_DATA for shared data; run scripts/fetch-data or " \
                      "set OUTPOST_CACHE for fetched models and images)";                     \
  } while (0)
