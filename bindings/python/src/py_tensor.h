// Tensors between Python and Outpost without copies where the memory allows: a TensorBuffer
// exposes a tensor's bytes through Python's buffer protocol (numpy.asarray makes an array of
// them, no copy) and keeps the object that owns the memory (a session) alive for as long as
// any array views it, even after the Python object was closed. NumPy's C API is not used, so the module works with NumPy 1 and 2 alike.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "outpost/tensor.h"

namespace outpost::python {

struct TensorBuffer {
  std::shared_ptr<const void> owner;  // keeps `data` alive (a session, even once closed)
  void* data = nullptr;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  bool readonly = true;
};

// A view of `tensor`, whose memory `owner` keeps alive.
TensorBuffer view_of(std::shared_ptr<const void> owner, const Tensor& tensor, bool readonly);
// The buffer protocol's description of the view (C order).
pybind11::buffer_info buffer_info_of(TensorBuffer& view);
// Copies a C-contiguous buffer of exactly `tensor.byte_size()` bytes into `tensor`
// (kShapeMismatch naming `what` otherwise). The caller has checked dtype and shape.
void copy_into(Tensor& tensor, const pybind11::buffer& source, const std::string& what);
// The buffer protocol's format character of a dtype (bfloat16 is exposed as its raw uint16).
const char* buffer_format(DType dtype);

void bind_tensor_buffer(pybind11::module_& m);

}  // namespace outpost::python
