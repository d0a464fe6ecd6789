// Counts every call of the global operator new in the test binary (allocation_counter.cc
// replaces the global allocation functions, the standard's hook for this): a test reads the
// count around code that must not allocate.
#pragma once

#include <cstdint>

namespace outpost::testing {

uint64_t operator_new_calls();

}  // namespace outpost::testing
