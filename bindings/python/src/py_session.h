// outpost.Session's native half (_outpost.Session): a loaded model, its inputs and outputs as
// buffers, run with the GIL released. The friendlier Python API (outpost/session.py) and TFLite's
// Interpreter (outpost/lite.py) are written over it.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "outpost/session.h"

namespace outpost::python {

struct PySession {
  std::shared_ptr<Session> session;  // shared with the arrays that view its memory
  // For a session opened from a bundle (outpost.bundle.open): what vouches for it.
  pybind11::dict model_info;
};

SessionOptions session_options(int threads, const std::string& backend, const std::string& signature,
                               const pybind11::dict& input_shapes, size_t max_arena_bytes);

void bind_session(pybind11::module_& m);

}  // namespace outpost::python
