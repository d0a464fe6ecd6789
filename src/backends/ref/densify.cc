// Densify: expands a sparse constant (TFLite's sparsity format, Value::sparsity) into a dense
// tensor, for float32 and float16 values (float16 bits are copied, not converted).
//
// The format: the values are stored in the order of a traversal over `traversal_order`, which
// lists the dense dimensions (each divided by its block size when blocked) and then the block
// dimensions; block_map[j] names the dense dimension that block dimension j subdivides. Each
// traversal level is DENSE (all dense_size positions) or SPARSE_CSR: the positions present
// under parent entry p are indices[segments[p] .. segments[p + 1]). A parent entry's number is
// its position within its own level: for a dense level, parent * size + i; for a sparse level,
// its position in `indices`. Everything is validated here, since it comes from the model file.
#include <array>
#include <cstring>

#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

constexpr size_t kMaxLevels = 16;

class DensifyKernel final : public Kernel {
 public:
  DensifyKernel(Sparsity sparsity, std::vector<int64_t> level_size, std::vector<int64_t> dense_dims,
                std::vector<int64_t> block_size, size_t elem, size_t total_bytes)
      : sparsity_(std::move(sparsity)),
        level_size_(std::move(level_size)),
        dense_dims_(std::move(dense_dims)),
        block_size_(std::move(block_size)),
        elem_(elem),
        total_bytes_(total_bytes) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    src_ = static_cast<const uint8_t*>(inputs[0].data);
    dst_ = static_cast<uint8_t*>(outputs[0].data);
    std::memset(dst_, 0, total_bytes_);  // all-zero bits are 0.0 in float32 and float16
    std::array<int64_t, kMaxLevels> coords{};
    next_value_ = 0;
    visit(0, 0, coords);
    return Status::ok();
  }

 private:
  void visit(size_t level, int64_t parent, std::array<int64_t, kMaxLevels>& coords) {
    if (level == sparsity_.dims.size()) {
      write(coords);
      return;
    }
    const SparseDimension& d = sparsity_.dims[level];
    if (!d.sparse) {
      const int64_t n = level_size_[level];
      for (int64_t i = 0; i < n; ++i) {
        coords[level] = i;
        visit(level + 1, parent * n + i, coords);
      }
    } else {
      const auto p = static_cast<size_t>(parent);
      for (int32_t k = d.segments[p]; k < d.segments[p + 1]; ++k) {
        coords[level] = d.indices[static_cast<size_t>(k)];
        visit(level + 1, k, coords);
      }
    }
  }

  // Maps traversal coordinates back to a dense row-major offset and copies one value.
  void write(const std::array<int64_t, kMaxLevels>& coords) {
    const size_t rank = dense_dims_.size();
    std::array<int64_t, kMaxLevels> index{};
    for (size_t l = 0; l < rank; ++l)
      index[static_cast<size_t>(sparsity_.traversal_order[l])] = coords[l];
    for (size_t l = rank; l < sparsity_.dims.size(); ++l) {
      const auto block = static_cast<size_t>(sparsity_.traversal_order[l]) - rank;
      const auto dim = static_cast<size_t>(sparsity_.block_map[block]);
      index[dim] = index[dim] * block_size_[block] + coords[l];
    }
    int64_t offset = 0;
    for (size_t k = 0; k < rank; ++k) offset = offset * dense_dims_[k] + index[k];
    std::memcpy(dst_ + static_cast<size_t>(offset) * elem_, src_ + next_value_ * elem_, elem_);
    ++next_value_;
  }

  Sparsity sparsity_;
  std::vector<int64_t> level_size_;  // positions per traversal level
  std::vector<int64_t> dense_dims_;
  std::vector<int64_t> block_size_;  // per block dimension
  size_t elem_, total_bytes_;
  // Traversal state of one run().
  const uint8_t* src_ = nullptr;
  uint8_t* dst_ = nullptr;
  size_t next_value_ = 0;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_densify(const Node& node, const Graph& graph) {
  const Value& in = input_of(graph, node, 0);
  const Value& out = output_of(graph, node);
  if ((in.dtype != DType::kFloat32 && in.dtype != DType::kFloat16) || out.dtype != in.dtype)
    return not_handled(graph, node,
                       std::string("densify supports float32 and float16, not ") +
                           dtype_name(in.dtype) + " -> " + dtype_name(out.dtype));
  auto bad = [&](const std::string& why) {
    return invalid_model(graph.source + ": " + node.describe() + ": sparse constant '" + in.name +
                         "': " + why);
  };
  if (!in.sparsity) return bad("has no sparsity parameters");
  const Sparsity& sp = *in.sparsity;
  const std::vector<int64_t>& dense_dims = out.shape.dims();
  const size_t rank = dense_dims.size();
  const size_t levels = sp.traversal_order.size();
  if (levels > kMaxLevels || levels != sp.dims.size() || levels != rank + sp.block_map.size())
    return bad("traversal_order, dim_metadata and block_map sizes do not fit rank " +
               std::to_string(rank));
  // traversal_order must be a permutation whose first `rank` entries are the dense dims.
  std::vector<bool> seen(levels, false);
  for (size_t l = 0; l < levels; ++l) {
    const int32_t t = sp.traversal_order[l];
    if (t < 0 || static_cast<size_t>(t) >= levels || seen[static_cast<size_t>(t)] ||
        (l < rank) != (static_cast<size_t>(t) < rank))
      return bad("traversal_order is not a permutation of the dense then block dimensions");
    seen[static_cast<size_t>(t)] = true;
  }
  // Block sizes come from the block dims' metadata (dims[] is in traversal order).
  std::vector<int64_t> block_size(sp.block_map.size(), 0);
  std::vector<int64_t> blocked = dense_dims;
  for (size_t l = rank; l < levels; ++l) {
    const size_t j = static_cast<size_t>(sp.traversal_order[l]) - rank;
    block_size[j] = sp.dims[l].dense_size;
  }
  for (size_t j = 0; j < sp.block_map.size(); ++j) {
    const int32_t d = sp.block_map[j];
    if (d < 0 || static_cast<size_t>(d) >= rank || block_size[j] <= 0 ||
        blocked[static_cast<size_t>(d)] % block_size[j] != 0)
      return bad("block " + std::to_string(j) + " does not divide its dimension");
    blocked[static_cast<size_t>(d)] /= block_size[j];
  }
  std::vector<int64_t> level_size(levels);
  for (size_t l = 0; l < levels; ++l) {
    const size_t t = static_cast<size_t>(sp.traversal_order[l]);
    level_size[l] = t < rank ? blocked[t] : block_size[t - rank];
  }
  // Walk the levels counting entries, checking every CSR array against its parent count.
  int64_t entries = 1;
  for (size_t l = 0; l < levels; ++l) {
    const SparseDimension& d = sp.dims[l];
    if (!d.sparse) {
      if (d.dense_size != level_size[l])
        return bad("dense level " + std::to_string(l) + " has size " +
                   std::to_string(d.dense_size) + ", expected " + std::to_string(level_size[l]));
      entries *= level_size[l];
      continue;
    }
    // Only the first entries + 1 segments are reachable; extra trailing ones are ignored.
    if (static_cast<int64_t>(d.segments.size()) < entries + 1 || d.segments[0] != 0)
      return bad("level " + std::to_string(l) + " has " + std::to_string(d.segments.size()) +
                 " segments, expected " + std::to_string(entries + 1) + " starting at 0");
    const auto parents = static_cast<size_t>(entries);
    for (size_t k = 1; k <= parents; ++k)
      if (d.segments[k] < d.segments[k - 1])
        return bad("level " + std::to_string(l) + " segments decrease");
    const int32_t count = d.segments[parents];
    if (static_cast<size_t>(count) > d.indices.size())
      return bad("level " + std::to_string(l) + " segments run past its indices");
    for (int32_t k = 0; k < count; ++k) {
      const int32_t index = d.indices[static_cast<size_t>(k)];
      if (index < 0 || index >= level_size[l])
        return bad("level " + std::to_string(l) + " index " + std::to_string(index) +
                   " is out of range");
    }
    entries = count;
  }
  const size_t elem = dtype_size(in.dtype);
  const size_t available = in.is_constant()
                               ? in.constant.size / elem
                               : static_cast<size_t>(in.shape.num_elements().value_or(0));
  if (static_cast<size_t>(entries) > available)
    return bad("the format describes " + std::to_string(entries) + " values but the buffer holds " +
               std::to_string(available));
  const size_t total_bytes = static_cast<size_t>(out.shape.num_elements().value_or(0)) * elem;
  return std::unique_ptr<Kernel>(std::make_unique<DensifyKernel>(
      sp, std::move(level_size), dense_dims, std::move(block_size), elem, total_bytes));
}

}  // namespace outpost
