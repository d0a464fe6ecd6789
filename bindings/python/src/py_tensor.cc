#include "py_tensor.h"

#include <cstring>
#include <string>

#include "py_errors.h"

namespace outpost::python {

namespace py = pybind11;

const char* buffer_format(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "f";
    case DType::kFloat16: return "e";
    case DType::kInt32: return "i";
    case DType::kInt64: return "q";
    case DType::kUInt8: return "B";
    case DType::kInt8: return "b";
    case DType::kInt16: return "h";
    case DType::kBool: return "?";
    case DType::kFloat64: return "d";
    case DType::kUInt16: return "H";
    case DType::kUInt32: return "I";
    case DType::kUInt64: return "Q";
    case DType::kBFloat16: return "H";
  }
  return "B";
}

TensorBuffer view_of(std::shared_ptr<const void> owner, const Tensor& tensor, bool readonly) {
  TensorBuffer view;
  view.owner = std::move(owner);
  view.data = const_cast<void*>(tensor.data());
  view.dtype = tensor.dtype();
  view.shape = tensor.shape().dims();
  view.readonly = readonly;
  for (int64_t d : view.shape) {
    if (d < 0) {
      throw_status(shape_mismatch("tensor '" + tensor.name + "' has no data: its shape " +
                                  tensor.shape().to_string() +
                                  " is not known yet (resize the input, then run)"));
    }
  }
  return view;
}

py::buffer_info buffer_info_of(TensorBuffer& view) {
  const py::ssize_t item = static_cast<py::ssize_t>(dtype_size(view.dtype));
  std::vector<py::ssize_t> shape(view.shape.begin(), view.shape.end());
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = item;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  // An empty tensor may have no storage; the buffer protocol wants a pointer all the same.
  static char no_elements;
  void* data = view.data != nullptr ? view.data : &no_elements;
  return py::buffer_info(data, item, buffer_format(view.dtype), static_cast<py::ssize_t>(shape.size()),
                         shape, strides, view.readonly);
}

void copy_into(Tensor& tensor, const py::buffer& source, const std::string& what) {
  py::buffer_info info = source.request();
  const size_t bytes = static_cast<size_t>(info.size) * static_cast<size_t>(info.itemsize);
  if (bytes != tensor.byte_size()) {
    throw_status(shape_mismatch(what + ": got " + std::to_string(bytes) + " bytes, the tensor holds " +
                                std::to_string(tensor.byte_size())));
  }
  // Only C order can be copied as one block; the Python side makes arrays contiguous first.
  py::ssize_t expected = info.itemsize;
  for (size_t i = info.shape.size(); i-- > 0;) {
    if (info.shape[i] != 1 && info.strides[i] != expected) {
      throw_status(usage_error(what + ": the array is not C-contiguous (numpy.ascontiguousarray)"));
    }
    expected *= info.shape[i];
  }
  if (bytes > 0) std::memcpy(tensor.data(), info.ptr, bytes);
}

void bind_tensor_buffer(py::module_& m) {
  py::class_<TensorBuffer>(m, "TensorBuffer", py::buffer_protocol(),
                           "A tensor's memory, for numpy.asarray (no copy)")
      .def_buffer(&buffer_info_of);
}

}  // namespace outpost::python
