// Sparse constant encoding, as TFLite stores it (a generalised CSR over a traversal order with
// optional block dimensions). Densify turns such a constant into a dense tensor.
#pragma once

#include <cstdint>
#include <vector>

namespace outpost {

struct SparseDimension {
  bool sparse = false;           // false: DENSE (dense_size entries); true: SPARSE_CSR
  int32_t dense_size = 0;
  std::vector<int32_t> segments;  // CSR row pointers, for sparse dimensions
  std::vector<int32_t> indices;   // CSR column indices, for sparse dimensions
};

struct Sparsity {
  std::vector<int32_t> traversal_order;  // over the dense dims, then the block dims
  std::vector<int32_t> block_map;        // dense dim each block dim belongs to
  std::vector<SparseDimension> dims;     // one per entry of traversal_order
};

}  // namespace outpost
