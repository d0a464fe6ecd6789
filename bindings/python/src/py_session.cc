#include "py_session.h"

#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "py_errors.h"
#include "py_tensor.h"

namespace outpost::python {

namespace py = pybind11;

namespace {

// numpy's spelling of the dtype; bfloat16, which numpy lacks, is given as its raw bits.
std::string numpy_dtype(DType dtype) {
  return dtype == DType::kBFloat16 ? "uint16" : dtype_name(dtype);
}

py::dict details_of(const Tensor& tensor, size_t index, const Shape& signature) {
  py::dict d;
  d["name"] = tensor.name;
  d["index"] = index;
  d["dtype"] = numpy_dtype(tensor.dtype());
  d["shape"] = tensor.shape().dims();
  d["shape_signature"] = signature.dims();
  d["scales"] = tensor.quant.scale;
  d["zero_points"] = tensor.quant.zero_point;
  d["quantized_dimension"] = tensor.quant.axis;
  return d;
}

size_t checked_index(size_t index, size_t count, const char* what) {
  if (index >= count) {
    throw_status(usage_error(std::string(what) + " index " + std::to_string(index) + " is out of range: the model has " +
                             std::to_string(count)));
  }
  return index;
}

Session& live(PySession& s) {
  if (!s.session) throw_status(usage_error("the session is closed"));
  return *s.session;
}

py::dict stats_of(const ModelStats& st) {
  py::dict d;
  d["format"] = st.format;
  d["op_counts"] = st.op_counts;
  d["parameters"] = st.parameters;
  d["macs"] = st.macs;
  d["arena_bytes"] = st.arena_bytes;
  d["nodes_executed"] = st.nodes_executed;
  d["nodes_evaluated_per_run"] = st.nodes_evaluated_per_run;
  d["nodes_on_backend"] = st.nodes_on_backend;
  d["threads"] = st.threads;
  py::list signatures;
  for (const ModelSignature& s : st.signatures) {
    py::dict sig;
    sig["key"] = s.key;
    sig["inputs"] = s.inputs;
    sig["outputs"] = s.outputs;
    signatures.append(sig);
  }
  d["signatures"] = signatures;
  d["signature"] = st.signature;
  return d;
}

std::unique_ptr<PySession> open_file(const std::string& path, int threads, const std::string& backend,
                                     const std::string& signature, const py::dict& input_shapes,
                                     size_t max_arena_bytes) {
  const SessionOptions options = session_options(threads, backend, signature, input_shapes, max_arena_bytes);
  Result<std::unique_ptr<Session>> opened = internal_error("not opened");
  {
    py::gil_scoped_release unlocked;
    opened = Session::open(path, options);
  }
  auto s = std::make_unique<PySession>();
  s->session = take(std::move(opened));
  return s;
}

std::unique_ptr<PySession> open_bytes(const py::bytes& data, const std::string& name, int threads,
                                      const std::string& backend, const std::string& signature,
                                      const py::dict& input_shapes, size_t max_arena_bytes) {
  const SessionOptions options = session_options(threads, backend, signature, input_shapes, max_arena_bytes);
  // The session may view the bytes for as long as it lives (weights are not always copied).
  auto copy = std::make_shared<std::string>(data);
  Result<std::unique_ptr<Session>> opened = internal_error("not opened");
  {
    py::gil_scoped_release unlocked;
    opened = Session::open_buffer(reinterpret_cast<const uint8_t*>(copy->data()), copy->size(), copy,
                                  name, options);
  }
  auto s = std::make_unique<PySession>();
  s->session = take(std::move(opened));
  return s;
}

}  // namespace

SessionOptions session_options(int threads, const std::string& backend, const std::string& signature,
                               const py::dict& input_shapes, size_t max_arena_bytes) {
  SessionOptions o;
  o.threads = threads;
  o.backend = backend;
  o.signature = signature;
  o.max_arena_bytes = max_arena_bytes;
  for (auto item : input_shapes) {
    o.input_shapes[py::cast<std::string>(item.first)] = Shape(py::cast<std::vector<int64_t>>(item.second));
  }
  return o;
}

void bind_session(py::module_& m) {
  py::class_<PySession>(m, "Session")
      .def(py::init(&open_file), py::arg("path"), py::kw_only(), py::arg("threads") = 0,
           py::arg("backend") = "auto", py::arg("signature") = "", py::arg("input_shapes") = py::dict(),
           py::arg("max_arena_bytes") = 0)
      .def_static("from_bytes", &open_bytes, py::arg("data"), py::kw_only(), py::arg("name") = "model",
                  py::arg("threads") = 0, py::arg("backend") = "auto", py::arg("signature") = "",
                  py::arg("input_shapes") = py::dict(), py::arg("max_arena_bytes") = 0)
      .def_property_readonly("num_inputs", [](PySession& s) { return live(s).num_inputs(); })
      .def_property_readonly("num_outputs", [](PySession& s) { return live(s).num_outputs(); })
      .def("input_details", [](PySession& s, size_t i) {
        Session& session = live(s);
        checked_index(i, session.num_inputs(), "input");
        return details_of(session.input(i), i, session.input_signature(i));
      })
      .def("output_details", [](PySession& s, size_t i) {
        Session& session = live(s);
        checked_index(i, session.num_outputs(), "output");
        const Tensor& t = session.output(i);
        return details_of(t, i, t.shape());
      })
      .def("input_index", [](PySession& s, const std::string& name) { return live(s).input_index(name); })
      .def("output_index", [](PySession& s, const std::string& name) { return live(s).output_index(name); })
      .def("set_input", [](PySession& s, size_t i, const py::buffer& data) {
        Session& session = live(s);
        checked_index(i, session.num_inputs(), "input");
        Tensor& t = session.input(i);
        copy_into(t, data, "input '" + t.name + "'");
      })
      // Writable view of input i in the session's memory: fill it, then run() (no copy).
      .def("input_buffer", [](PySession& s, size_t i) {
        Session& session = live(s);
        checked_index(i, session.num_inputs(), "input");
        return view_of(s.session, session.input(i), false);
      })
      // View of output i; valid until the next run().
      .def("output_buffer", [](PySession& s, size_t i) {
        Session& session = live(s);
        checked_index(i, session.num_outputs(), "output");
        return view_of(s.session, session.output(i), true);
      })
      .def("resize_input", [](PySession& s, size_t i, const std::vector<int64_t>& shape) {
        Session& session = live(s);
        checked_index(i, session.num_inputs(), "input");
        check(session.resize_input(i, Shape(shape)));
      })
      .def("run", [](PySession& s) {
        Session& session = live(s);
        Status status;
        {
          py::gil_scoped_release unlocked;
          status = session.run();
        }
        check(status);
      })
      .def("reset_state", [](PySession& s) { live(s).reset_state(); })
      .def("profile", [](PySession& s, int runs) {
        Session& session = live(s);
        Result<std::vector<OpProfile>> profile = internal_error("not profiled");
        {
          py::gil_scoped_release unlocked;
          profile = session.profile(runs);
        }
        if (!profile.is_ok()) throw_status(profile.status());
        py::list rows;
        for (const OpProfile& p : *profile) {
          rows.append(py::dict(py::arg("op") = p.op, py::arg("backend") = p.backend,
                               py::arg("nodes") = p.nodes, py::arg("ms") = p.ms));
        }
        return rows;
      }, py::arg("runs") = 10)
      .def_property_readonly("stats", [](PySession& s) { return stats_of(live(s).stats()); })
      .def_readonly("model_info", &PySession::model_info)
      .def("close", [](PySession& s) { s.session.reset(); });
}

}  // namespace outpost::python
