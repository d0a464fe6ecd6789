// Tests of one backend skip, with a message, in a configuration built without it (the minimal
// build has no oneDNN).
#pragma once

#include <gtest/gtest.h>

#include "backends/backend.h"

#define OUTPOST_SKIP_UNLESS_BACKEND(name)                                             \
  do {                                                                                \
    if (!::outpost::find_backend(name))                                     \
      GTEST_SKIP() << "the " << (name) << " backend is not built in this configuration " \
                   << "(built in: " << ::outpost::registered_backend_names() << ")";  \
  } while (0)
