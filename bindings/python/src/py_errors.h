// Outpost's Status as a Python exception: the class of outpost/errors.py for its code, so that a
// caller catches outpost.ShapeMismatch (a ValueError) or outpost.Error and reads `.code`, the
// exit code the CLI gives the same failure.
#pragma once

#include <pybind11/pybind11.h>

#include "outpost/status.h"

namespace outpost::python {

[[noreturn]] void throw_status(const Status& status);

inline void check(const Status& status) {
  if (!status.is_ok()) throw_status(status);
}

template <typename T>
T take(Result<T> result) {
  if (!result.is_ok()) throw_status(result.status());
  return std::move(result).value();
}

}  // namespace outpost::python
