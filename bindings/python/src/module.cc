// _outpost: the native half of the `outpost` Python package (bindings/python/outpost/), over
// the C++ API. Each area binds itself in its own file; the Python modules make the API.
#include <pybind11/pybind11.h>

#include "py_bindings.h"

PYBIND11_MODULE(_outpost, m) {
  m.doc() = "Outpost's native module; use the outpost package";
  m.attr("__version__") = OUTPOST_VERSION;
  outpost::python::bind_tensor_buffer(m);
  outpost::python::bind_session(m);
  outpost::python::bind_tflite_layout(m);
#ifdef OUTPOST_PYTHON_BUNDLES
  outpost::python::bind_bundle(m);
#endif
#ifdef OUTPOST_PYTHON_PIPELINES
  outpost::python::bind_pipeline(m);
#endif
}
