// Runs the built `outpost` binary as a user would, capturing exit code, stdout and stderr.
#pragma once

#include <string>
#include <vector>

#include "support/test_paths.h"  // make_temp_dir

namespace outpost::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CliResult run_outpost(const std::vector<std::string>& args);

// The same, killed after `seconds` (exit code 124, or 137 when SIGTERM did not end it, as
// timeout(1) reports them): for cases that once hung, so that a regression fails the test
// instead of stalling the suite.
CliResult run_outpost_within(double seconds, const std::vector<std::string>& args);

}  // namespace outpost::testing
