// An outpost_status* (include/outpost/outpost.h) that frees itself, for the C API's tests.
#pragma once

#include <string>

#include "outpost/outpost.h"

namespace outpost::testing {

struct CStatus {
  explicit CStatus(outpost_status* s) : s(s) {}
  ~CStatus() { outpost_status_free(s); }
  CStatus(const CStatus&) = delete;
  CStatus& operator=(const CStatus&) = delete;
  outpost_status* s;
  outpost_status_code code() const { return outpost_status_code_of(s); }
  std::string message() const { return outpost_status_message(s); }
};

}  // namespace outpost::testing
