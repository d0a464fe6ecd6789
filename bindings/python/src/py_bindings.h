// The parts of the _outpost extension module, each bound by its own file.
#pragma once

#include <pybind11/pybind11.h>

namespace outpost::python {

void bind_tensor_buffer(pybind11::module_& m);
void bind_session(pybind11::module_& m);
void bind_tflite_layout(pybind11::module_& m);
// Only in a library built with bundles (OUTPOST_WITH_BUNDLES); with vision for pipelines.
void bind_bundle(pybind11::module_& m);
void bind_pipeline(pybind11::module_& m);

}  // namespace outpost::python
