// Tensor: typed n-dimensional data, either owning its bytes or viewing memory owned elsewhere
// (a session's arena, a mapped model file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "outpost/dtype.h"
#include "outpost/quant_params.h"
#include "outpost/shape.h"
#include "outpost/status.h"

namespace outpost {

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled, 64-byte aligned storage owned by the tensor. Fails on a non-static shape or
  // a size that overflows.
  static Result<Tensor> allocate(DType dtype, Shape shape);
  // A view of `data`, which must outlive the tensor and hold byte_size() bytes.
  static Tensor view(DType dtype, Shape shape, void* data);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t num_elements() const;
  size_t byte_size() const;
  void* data() { return data_; }
  const void* data() const { return data_; }
  template <typename T>
  T* data_as() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data_as() const {
    return static_cast<const T*>(data_);
  }

  std::string name;
  QuantParams quant;

 private:
  DType dtype_ = DType::kFloat32;
  Shape shape_;
  void* data_ = nullptr;
  std::shared_ptr<void> storage_;
};

}  // namespace outpost
