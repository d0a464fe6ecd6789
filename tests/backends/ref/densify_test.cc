#include <gtest/gtest.h>

#include <cstring>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

SparseDimension dense(int32_t size) {
  SparseDimension d;
  d.dense_size = size;
  return d;
}

SparseDimension csr(std::vector<int32_t> segments, std::vector<int32_t> indices) {
  SparseDimension d;
  d.sparse = true;
  d.segments = std::move(segments);
  d.indices = std::move(indices);
  return d;
}

// The sparse constant: a tensor of the dense shape whose leading elements are the stored
// values (the rest is unused), as a model file's buffer would hold them.
OpInput sparse_input(Shape shape, std::vector<float> stored, Sparsity sparsity) {
  std::vector<float> buffer(static_cast<size_t>(*shape.num_elements()), -999.0f);
  std::copy(stored.begin(), stored.end(), buffer.begin());
  OpInput in{make_tensor(std::move(shape), buffer)};
  in.constant = true;
  in.sparsity = std::make_shared<Sparsity>(std::move(sparsity));
  return in;
}

std::vector<float> run_densify(OpInput in) {
  auto r = run_op(OpKind::kDensify, {}, {std::move(in)}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(Densify, Csr2D) {
  // 3x4, rows dense, columns CSR: row 0 has cols {1, 3}, row 1 none, row 2 col {0}.
  // values [1, 2, 3] -> [[0,1,0,2],[0,0,0,0],[3,0,0,0]]
  Sparsity sp{{0, 1}, {}, {dense(3), csr({0, 2, 2, 3}, {1, 3, 0})}};
  auto y = run_densify(sparse_input({3, 4}, {1, 2, 3}, sp));
  EXPECT_EQ(y, (std::vector<float>{0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0}));
}

TEST(Densify, SparseDenseSparse3D) {
  // [3, 2, 2], formats (CSR, dense, CSR). Level 0: entries {0, 2} (positions 0, 1). Level 1
  // dense 2: parents 0*2+j -> (0,0)=p0, (0,1)=p1, (2,0)=p2, (2,1)=p3. Level 2 segments
  // [0,1,3,4,5], indices [0, 0,1, 0, 1]: p0 -> (0,0,0); p1 -> (0,1,0), (0,1,1);
  // p2 -> (2,0,0); p3 -> (2,1,1). Values 6, 9, 8, 5, 7 land at flat 0, 2, 3, 8, 11.
  Sparsity sp{
      {0, 1, 2}, {}, {csr({0, 2}, {0, 2}), dense(2), csr({0, 1, 3, 4, 5}, {0, 0, 1, 0, 1})}};
  auto y = run_densify(sparse_input({3, 2, 2}, {6, 9, 8, 5, 7}, sp));
  EXPECT_EQ(y, (std::vector<float>{6, 0, 9, 8, 0, 0, 0, 0, 5, 0, 0, 7}));
}

TEST(Densify, Blocked2x2) {
  // 4x4 in 2x2 blocks: block rows dense (2), block columns CSR (row 0 -> block col 0, row 1 ->
  // block col 1), then the 2x2 block dims dense. Stored [1,2,3,4] fill block (0,0) row-major,
  // [5,6,7,8] fill block (1,1).
  Sparsity sp{{0, 1, 2, 3}, {0, 1}, {dense(2), csr({0, 1, 2}, {0, 1}), dense(2), dense(2)}};
  auto y = run_densify(sparse_input({4, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, sp));
  EXPECT_EQ(y, (std::vector<float>{1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 5, 6, 0, 0, 7, 8}));
}

TEST(Densify, ColumnMajorTraversal) {
  // 2x3 traversed columns first: level 0 = dim 1 (dense 3), level 1 = dim 0 (CSR).
  // col 0 -> row {1}; col 1 -> none; col 2 -> rows {0, 1}. Values [1, 2, 3]:
  // (1,0) = 1, (0,2) = 2, (1,2) = 3 -> [[0,0,2],[1,0,3]]
  Sparsity sp{{1, 0}, {}, {dense(3), csr({0, 1, 1, 3}, {1, 0, 1})}};
  auto y = run_densify(sparse_input({2, 3}, {1, 2, 3}, sp));
  EXPECT_EQ(y, (std::vector<float>{0, 0, 2, 1, 0, 3}));
}

TEST(Densify, Float16CopiesBits) {
  // 1x4 CSR with cols {1, 2}; half bits 0x3C00 (1.0) and 0xC000 (-2.0) are copied unchanged.
  Sparsity sp{{0, 1}, {}, {dense(1), csr({0, 2}, {1, 2})}};
  Tensor t = Tensor::allocate(DType::kFloat16, Shape{1, 4}).value();
  const uint16_t stored[] = {0x3C00, 0xC000};
  std::memcpy(t.data(), stored, sizeof stored);
  OpInput in{std::move(t)};
  in.constant = true;
  in.sparsity = std::make_shared<Sparsity>(sp);
  auto r = run_op(OpKind::kDensify, {}, {std::move(in)}, {{DType::kFloat16}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const auto* y = static_cast<const uint16_t*>(r.value()[0].data());
  EXPECT_EQ(std::vector<uint16_t>(y, y + 4), (std::vector<uint16_t>{0, 0x3C00, 0xC000, 0}));
}

TEST(Densify, IndexOutOfRangeIsInvalidModel) {
  Sparsity sp{{0, 1}, {}, {dense(2), csr({0, 1, 2}, {0, 4})}};  // column 4 of 4
  auto r = run_op(OpKind::kDensify, {}, {sparse_input({2, 4}, {1, 2}, sp)}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
}

TEST(Densify, MalformedMetadataIsInvalidModel) {
  const std::vector<Sparsity> bad = {
      {{0, 1}, {}, {dense(2), csr({0, 1}, {0})}},        // too few segments
      {{0, 1}, {}, {dense(2), csr({0, 2, 1}, {0, 1})}},  // decreasing segments
      {{0, 1}, {}, {dense(2), csr({0, 1, 3}, {0, 1})}},  // segments past the indices
      {{0, 0}, {}, {dense(2), dense(4)}},                // not a permutation
      {{0, 1}, {}, {dense(3), dense(4)}},                // dense size disagrees with shape
      {{0, 1, 2}, {0}, {dense(1), dense(4), dense(3)}},  // block 3 does not divide 2
      {{0}, {}, {dense(2)}},                             // wrong number of levels
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = run_op(OpKind::kDensify, {}, {sparse_input({2, 4}, {1, 2}, bad[i])}, {{}});
    ASSERT_FALSE(r.is_ok()) << i;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel) << i << ": " << r.status().message();
  }
}

TEST(Densify, TooFewStoredValuesIsInvalidModel) {
  // Dense 2x2 traversal describes 4 values; a [1, 2] shaped buffer (2 floats) cannot hold them.
  Sparsity sp{{0, 1}, {}, {dense(2), dense(2)}};
  OpInput in{make_tensor({1, 2}, {1, 2})};
  in.constant = true;
  in.sparsity = std::make_shared<Sparsity>(sp);
  auto r = run_op(OpKind::kDensify, {}, {std::move(in)}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
}

TEST(Densify, MissingSparsityIsInvalidModel) {
  OpInput in{make_tensor({2}, {1, 2})};
  in.constant = true;
  auto r = run_op(OpKind::kDensify, {}, {std::move(in)}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
}

TEST(Densify, Int8IsUnsupported) {
  Sparsity sp{{0}, {}, {dense(2)}};
  OpInput in{make_typed<int8_t>({2}, {1, 2})};
  in.constant = true;
  in.sparsity = std::make_shared<Sparsity>(sp);
  auto r = testing::factory_status(make_densify, OpKind::kDensify, {}, {std::move(in)},
                                   {{DType::kInt8}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
