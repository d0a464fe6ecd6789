// Checking an opened bundle the way a device would before trusting it: its golden inputs run
// through a Session and the outputs compared to the golden outputs (DESIGN.md's tolerance).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bundle/open.h"
#include "outpost/session.h"

namespace outpost::bundle {

struct GoldenResult {
  std::string output;
  double max_error = 0;
  double tolerance = 0;
};

// A session over the bundle's plaintext model (which must have been decrypted).
Result<std::unique_ptr<Session>> open_bundle_session(const OpenedBundle& bundle,
                                                     const SessionOptions& options = {});

// Runs the golden inputs and compares every golden output; kGoldenMismatch naming the first
// output out of tolerance. An empty list when the bundle has no golden vectors.
Result<std::vector<GoldenResult>> check_golden(const OpenedBundle& bundle,
                                               const SessionOptions& options = {});

}  // namespace outpost::bundle
