// What TFLite's Python interpreter numbers and names: the tensor indices and names of a .tflite
// file's main subgraph's inputs and outputs, and of each signature's, read from the file with
// the TFLite reader's own checks (formats/tflite). outpost.lite numbers its tensors so, and code
// that keeps an index from TFLite's details, or writes one down, finds the same tensor.
#include <pybind11/stl.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "formats/tflite/tflite_model.h"
#include "formats/tflite/tflite_signatures.h"
#include "py_bindings.h"
#include "py_errors.h"

namespace outpost::python {

namespace py = pybind11;

namespace {

std::string tensor_name(const tflite::SubGraph& sg, int32_t index) {
  const auto* tensors = sg.tensors();
  if (tensors == nullptr || index < 0 || static_cast<uint32_t>(index) >= tensors->size()) return "";
  const tflite::Tensor& t = *tensors->Get(static_cast<uint32_t>(index));
  return t.name() ? t.name()->str() : "";
}

py::list io_of(const tflite::SubGraph& sg, const flatbuffers::Vector<int32_t>* indices) {
  py::list out;
  if (indices == nullptr) return out;
  for (int32_t index : *indices)
    out.append(py::dict(py::arg("index") = index, py::arg("name") = tensor_name(sg, index)));
  return out;
}

py::list signature_io(const tflite::SubGraph& sg, const std::vector<tflite::SignatureTensor>& io) {
  py::list out;
  for (const tflite::SignatureTensor& t : io)
    out.append(py::dict(py::arg("key") = t.name, py::arg("index") = t.tensor,
                        py::arg("name") = tensor_name(sg, t.tensor)));
  return out;
}

// None for bytes that are not a TFLite model (an ONNX one); the layout otherwise.
py::object tflite_layout(const py::buffer& file) {
  const py::buffer_info info = file.request();
  const auto* data = static_cast<const uint8_t*>(info.ptr);
  const size_t size = static_cast<size_t>(info.size * info.itemsize);
  if (size < 8 || std::memcmp(data + 4, "TFL3", 4) != 0) return py::none();
  // Read in place (a bytes object's data is aligned as the allocator aligns it); the verifier
  // wants that alignment, so other memory is copied first.
  std::unique_ptr<uint8_t[]> aligned;
  if (reinterpret_cast<uintptr_t>(data) % alignof(std::max_align_t) != 0) {
    aligned.reset(new uint8_t[size]);
    std::memcpy(aligned.get(), data, size);
    data = aligned.get();
  }
  const tflite::Model* model = take(tflite::verified_model(data, size, "model"));
  const auto* subgraphs = model->subgraphs();
  if (subgraphs == nullptr || subgraphs->size() == 0) return py::none();
  const tflite::SubGraph& main = *subgraphs->Get(0);
  py::dict layout;
  layout["inputs"] = io_of(main, main.inputs());
  layout["outputs"] = io_of(main, main.outputs());
  py::list signatures;
  for (const tflite::TfliteSignature& s : take(tflite::read_signatures(*model, "model"))) {
    const tflite::SubGraph& sg = *subgraphs->Get(s.subgraph);
    signatures.append(py::dict(py::arg("key") = s.key, py::arg("subgraph") = s.subgraph,
                               py::arg("inputs") = signature_io(sg, s.inputs),
                               py::arg("outputs") = signature_io(sg, s.outputs)));
  }
  layout["signatures"] = signatures;
  return layout;
}

}  // namespace

void bind_tflite_layout(py::module_& m) {
  m.def("tflite_layout", &tflite_layout, py::arg("file"),
        "The tensor indices and names TFLite gives a .tflite file's inputs and outputs");
}

}  // namespace outpost::python
