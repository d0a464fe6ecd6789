// The C API's errors (include/outpost/outpost.h): an outpost_status is a Status on the heap,
// and `guarded` runs a C entry point's body so that no C++ exception crosses into C.
#pragma once

#include <exception>
#include <new>
#include <utility>

#include "outpost/outpost.h"
#include "outpost/status.h"

struct outpost_status {
  outpost::Status status;
};

namespace outpost::capi {

// NULL for an ok status (the C API's success), else a new outpost_status the caller frees.
outpost_status* to_c(Status status);

// The caller's argument error: OUTPOST_USAGE naming the function and what was wrong.
outpost_status* usage(const char* function, const std::string& what);

// Runs `body` (returning a Status) and converts it; an exception becomes OUTPOST_INTERNAL
// naming `function` (std::bad_alloc: "out of memory").
template <typename Body>
outpost_status* guarded(const char* function, Body&& body) noexcept {
  try {
    return to_c(std::forward<Body>(body)());
  } catch (const std::bad_alloc&) {
    return to_c(internal_error(std::string(function) + ": out of memory"));
  } catch (const std::exception& e) {
    return to_c(internal_error(std::string(function) + ": " + e.what()));
  } catch (...) {
    return to_c(internal_error(std::string(function) + ": an unknown exception"));
  }
}

}  // namespace outpost::capi
