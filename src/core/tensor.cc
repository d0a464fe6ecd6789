#include "outpost/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace outpost {

Result<Tensor> Tensor::allocate(DType dtype, Shape shape) {
  auto n = shape.num_elements();
  if (!n) return shape_mismatch("cannot allocate a tensor of shape " + shape.to_string());
  const size_t elem = dtype_size(dtype);
  if (static_cast<uint64_t>(*n) > std::numeric_limits<size_t>::max() / 2 / elem) {
    return shape_mismatch("tensor of shape " + shape.to_string() + " is too large");
  }
  size_t bytes = static_cast<size_t>(*n) * elem;
  size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (!p) return internal_error("out of memory allocating " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, rounded == 0 ? 64 : rounded);
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = p;
  t.storage_ = std::shared_ptr<void>(p, std::free);
  return t;
}

Tensor Tensor::view(DType dtype, Shape shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  return t;
}

int64_t Tensor::num_elements() const { return shape_.num_elements().value_or(0); }

size_t Tensor::byte_size() const { return static_cast<size_t>(num_elements()) * dtype_size(dtype_); }

}  // namespace outpost
