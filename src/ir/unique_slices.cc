#include "ir/unique_slices.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

namespace outpost {
namespace {

// -1, 0 or 1; a total order, NaN last, so that sorting is well defined on any data.
template <typename T>
int compare(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  }
  return a < b ? -1 : (b < a ? 1 : 0);
}

template <typename T>
int compare_slices(const T* x, const SliceLayout& l, int64_t a, int64_t b) {
  for (int64_t o = 0; o < l.outer; ++o) {
    const T* row = x + o * l.count * l.inner;
    for (int64_t i = 0; i < l.inner; ++i) {
      const int c = compare(row[a * l.inner + i], row[b * l.inner + i]);
      if (c != 0) return c;
    }
  }
  return 0;
}

// Single elements of a type of at most 16 bits: a table indexed by value, one pass, O(n). The
// general path sorts n indices; on a 37.7-million-element int8 tensor (a fuzzer's) that took
// 8 s and 1.5 GB.
template <typename T>
UniqueSlices unique_small_elements(const T* x, int64_t n, bool sorted) {
  using Bits = std::make_unsigned_t<T>;
  constexpr size_t kValues = size_t{1} << (8 * sizeof(T));
  std::vector<int64_t> first(kValues, -1), count(kValues, 0);
  for (int64_t j = 0; j < n; ++j) {
    const Bits v = static_cast<Bits>(x[j]);
    if (first[v] < 0) first[v] = j;
    ++count[v];
  }
  std::vector<size_t> present;  // the values that occur, as table indices, in output order
  for (size_t v = 0; v < kValues; ++v)
    if (count[v] > 0) present.push_back(v);
  if (sorted)
    std::sort(present.begin(), present.end(), [](size_t a, size_t b) {
      return static_cast<T>(static_cast<Bits>(a)) < static_cast<T>(static_cast<Bits>(b));
    });
  else
    std::sort(present.begin(), present.end(), [&](size_t a, size_t b) { return first[a] < first[b]; });
  std::vector<int64_t> rank(kValues, -1);
  UniqueSlices u;
  for (size_t k = 0; k < present.size(); ++k) {
    rank[present[k]] = static_cast<int64_t>(k);
    u.first.push_back(first[present[k]]);
    u.counts.push_back(count[present[k]]);
  }
  u.inverse.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) u.inverse[static_cast<size_t>(j)] = rank[static_cast<Bits>(x[j])];
  return u;
}

template <typename T>
UniqueSlices unique_typed(const T* x, const SliceLayout& l, bool sorted) {
  if constexpr (std::is_integral_v<T> && sizeof(T) <= 2) {
    if (l.outer == 1 && l.inner == 1) return unique_small_elements(x, l.count, sorted);
  }
  std::vector<int64_t> order(static_cast<size_t>(l.count));
  std::iota(order.begin(), order.end(), 0);
  // Stable: within a group of equal slices the first occurrence comes first.
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return compare_slices(x, l, a, b) < 0; });
  // Groups in sorted order: each group's first occurrence and members.
  std::vector<int64_t> group_of(static_cast<size_t>(l.count));
  std::vector<int64_t> group_first, group_count;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || compare_slices(x, l, order[k - 1], order[k]) != 0) {
      group_first.push_back(order[k]);
      group_count.push_back(0);
    }
    group_of[static_cast<size_t>(order[k])] = static_cast<int64_t>(group_first.size()) - 1;
    ++group_count.back();
  }
  // Output position of each group: sorted order, or by first occurrence.
  std::vector<int64_t> rank(group_first.size());
  std::iota(rank.begin(), rank.end(), 0);
  if (!sorted) {
    std::vector<int64_t> by_first(group_first.size());
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(), [&](int64_t a, int64_t b) {
      return group_first[static_cast<size_t>(a)] < group_first[static_cast<size_t>(b)];
    });
    for (size_t k = 0; k < by_first.size(); ++k) rank[static_cast<size_t>(by_first[k])] = static_cast<int64_t>(k);
  }
  UniqueSlices u;
  u.first.resize(group_first.size());
  u.counts.resize(group_first.size());
  for (size_t gi = 0; gi < group_first.size(); ++gi) {
    u.first[static_cast<size_t>(rank[gi])] = group_first[gi];
    u.counts[static_cast<size_t>(rank[gi])] = group_count[gi];
  }
  u.inverse.resize(static_cast<size_t>(l.count));
  for (size_t j = 0; j < u.inverse.size(); ++j) u.inverse[j] = rank[static_cast<size_t>(group_of[j])];
  return u;
}

}  // namespace

UniqueSlices unique_slices(DType dtype, const void* data, const SliceLayout& layout, bool sorted) {
  switch (dtype) {
    case DType::kFloat32: return unique_typed(static_cast<const float*>(data), layout, sorted);
    case DType::kFloat64: return unique_typed(static_cast<const double*>(data), layout, sorted);
    case DType::kInt8: return unique_typed(static_cast<const int8_t*>(data), layout, sorted);
    case DType::kUInt8:
    case DType::kBool: return unique_typed(static_cast<const uint8_t*>(data), layout, sorted);
    case DType::kInt16: return unique_typed(static_cast<const int16_t*>(data), layout, sorted);
    case DType::kUInt16: return unique_typed(static_cast<const uint16_t*>(data), layout, sorted);
    case DType::kInt32: return unique_typed(static_cast<const int32_t*>(data), layout, sorted);
    case DType::kUInt32: return unique_typed(static_cast<const uint32_t*>(data), layout, sorted);
    case DType::kInt64: return unique_typed(static_cast<const int64_t*>(data), layout, sorted);
    case DType::kUInt64: return unique_typed(static_cast<const uint64_t*>(data), layout, sorted);
    case DType::kFloat16: break;  // the caller widens it
    case DType::kBFloat16: break;  // not an input Unique takes
  }
  return {};
}

}  // namespace outpost
