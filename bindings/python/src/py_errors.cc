#include "py_errors.h"

namespace outpost::python {

[[noreturn]] void throw_status(const Status& status) {
  namespace py = pybind11;
  py::object cls = py::module_::import("outpost.errors")
                       .attr("class_for_code")(static_cast<int>(status.code()));
  PyErr_SetObject(cls.ptr(), py::str(status.message()).ptr());
  throw py::error_already_set();
}

}  // namespace outpost::python
