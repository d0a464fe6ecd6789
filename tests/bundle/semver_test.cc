#include "bundle/semver.h"

#include <gtest/gtest.h>

namespace outpost::bundle {
namespace {

int cmp(const std::string& a, const std::string& b) {
  return compare_semver(parse_semver(a, "a").value(), parse_semver(b, "b").value());
}

TEST(BundleSemver, ParsesAndOrders) {
  EXPECT_LT(cmp("1.0.0", "1.0.1"), 0);
  EXPECT_LT(cmp("1.9.0", "1.10.0"), 0);
  EXPECT_GT(cmp("2.0.0", "1.99.99"), 0);
  EXPECT_EQ(cmp("1.2.3+build.7", "1.2.3"), 0);
  // semver.org's example chain.
  const char* chain[] = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                         "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
  for (size_t i = 0; i + 1 < std::size(chain); ++i)
    EXPECT_LT(cmp(chain[i], chain[i + 1]), 0) << chain[i];
}

TEST(BundleSemver, RejectsMalformed) {
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.2.x", "1.2.3-", "1.2.3-a..b",
                          "1.2.3+", "v1.2.3", "1.2.3-01", "99999999999.0.0"})
    EXPECT_EQ(parse_semver(bad, "v").status().code(), StatusCode::kUsage) << bad;
}

}  // namespace
}  // namespace outpost::bundle
