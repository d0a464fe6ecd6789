// Transpose on the reference backend: the tiled matrix path (NCHW <-> NHWC, coalesced to a
// swap of two inner dimensions) for every element size, against the definition.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_typed;
using testing::run_op;

template <typename T>
void expect_nchw_to_nhwc(int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<T> x(static_cast<size_t>(n * c * h * w));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>(i * 2654435761u);
  Attributes a;
  a.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  auto r = run_op(OpKind::kTranspose, a, {{make_typed<T>(Shape{n, c, h, w}, x)}}, {{dtype_of<T>()}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ((*r)[0].shape(), (Shape{n, h, w, c}));
  const T* y = static_cast<const T*>((*r)[0].data());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j)
          ASSERT_EQ(y[((b * h + i) * w + j) * c + k], x[static_cast<size_t>(((b * c + k) * h + i) * w + j)])
              << "at " << b << "," << k << "," << i << "," << j;
}

TEST(TransposeReference, NchwToNhwcForEveryElementSize) {
  expect_nchw_to_nhwc<uint8_t>(2, 3, 37, 41);  // tiles of 32 with ragged edges
  expect_nchw_to_nhwc<int8_t>(1, 33, 5, 7);
  expect_nchw_to_nhwc<int16_t>(1, 3, 40, 9);
  expect_nchw_to_nhwc<float>(1, 5, 33, 34);
  expect_nchw_to_nhwc<int64_t>(2, 2, 3, 35);
}

}  // namespace
}  // namespace outpost
