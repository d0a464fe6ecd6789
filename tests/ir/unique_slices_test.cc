// ONNX Unique's rule (ir/unique_slices.h) on single elements against a plain reference (a map
// from value to first occurrence and count): the table path of the small integer types and
// the sorting path of the others give the same first occurrences, inverse and counts, sorted
// and in order of first occurrence.
#include "ir/unique_slices.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace outpost {
namespace {

template <typename T>
UniqueSlices reference(const std::vector<T>& x, bool sorted) {
  std::map<T, std::pair<int64_t, int64_t>> seen;  // value -> (first, count)
  for (size_t j = 0; j < x.size(); ++j) {
    auto [it, inserted] = seen.try_emplace(x[j], static_cast<int64_t>(j), 0);
    ++it->second.second;
  }
  std::vector<std::pair<T, std::pair<int64_t, int64_t>>> groups(seen.begin(), seen.end());
  if (!sorted)
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
  UniqueSlices u;
  std::map<T, int64_t> rank;
  for (size_t k = 0; k < groups.size(); ++k) {
    u.first.push_back(groups[k].second.first);
    u.counts.push_back(groups[k].second.second);
    rank[groups[k].first] = static_cast<int64_t>(k);
  }
  for (const T& v : x) u.inverse.push_back(rank[v]);
  return u;
}

template <typename T>
void expect_like_reference(DType dtype, int64_t low, int64_t high, size_t n) {
  std::mt19937 rng(static_cast<uint32_t>(n + sizeof(T)));
  std::uniform_int_distribution<int64_t> pick(low, high);
  std::vector<T> x(n);
  for (T& v : x) v = static_cast<T>(pick(rng));
  for (bool sorted : {true, false}) {
    const UniqueSlices got = unique_slices(dtype, x.data(), {1, static_cast<int64_t>(n), 1}, sorted);
    const UniqueSlices want = reference(x, sorted);
    EXPECT_EQ(got.first, want.first) << dtype_name(dtype) << (sorted ? " sorted" : " unsorted");
    EXPECT_EQ(got.counts, want.counts) << dtype_name(dtype);
    EXPECT_EQ(got.inverse, want.inverse) << dtype_name(dtype);
  }
}

TEST(UniqueSlices, SmallIntegerTypesByTableMatchTheReference) {
  expect_like_reference<int8_t>(DType::kInt8, -128, 127, 5000);
  expect_like_reference<int8_t>(DType::kInt8, -3, 2, 1000);  // few values, many repeats
  expect_like_reference<uint8_t>(DType::kUInt8, 0, 255, 5000);
  expect_like_reference<int16_t>(DType::kInt16, -32768, 32767, 3000);
  expect_like_reference<uint16_t>(DType::kUInt16, 0, 65535, 3000);
}

TEST(UniqueSlices, WiderTypesBySortingMatchTheReference) {
  expect_like_reference<int32_t>(DType::kInt32, -50, 50, 3000);
  expect_like_reference<int64_t>(DType::kInt64, -5, 1000000, 3000);
}

TEST(UniqueSlices, AnEmptyInputHasNoSlices) {
  const int8_t* none = nullptr;
  const UniqueSlices u = unique_slices(DType::kInt8, none, {1, 0, 1}, true);
  EXPECT_TRUE(u.first.empty());
  EXPECT_TRUE(u.inverse.empty());
}

}  // namespace
}  // namespace outpost
