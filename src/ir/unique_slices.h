// The rule of ONNX Unique, written once: shape inference runs it to learn how many distinct
// slices there are (the data decides the output's shape), and the reference kernel runs it
// again to write them.
#pragma once

#include <cstdint>
#include <vector>

#include "outpost/dtype.h"

namespace outpost {

// The input seen as [outer, count, inner]: slice j is every element [o, j, i], compared in
// (o, i) order, as numpy.unique compares the rows of the input with its axis moved first (the
// flattened input is outer = inner = 1).
struct SliceLayout {
  int64_t outer = 1, count = 0, inner = 1;
};

struct UniqueSlices {
  std::vector<int64_t> first;    // per distinct slice, in output order: its first occurrence
  std::vector<int64_t> inverse;  // per input slice: the position of its distinct slice
  std::vector<int64_t> counts;   // per distinct slice: how many input slices equal it
};

// `sorted`: the distinct slices in ascending (lexicographic) order; otherwise in the order
// they first occur. NaNs compare equal to each other and above every number. `dtype` is any
// but float16 (the caller widens it).
UniqueSlices unique_slices(DType dtype, const void* data, const SliceLayout& layout, bool sorted);

}  // namespace outpost
