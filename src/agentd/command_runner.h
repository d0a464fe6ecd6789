// Running a short-lived command to completion (the agent's validation of a bundle in a child
// `outpost`): its combined stdout and stderr captured (the last 64 KiB), a time limit after
// which its process group is killed, and the same child set-up as supervised modules
// (agentd/process_launch.h: own process group, parent-death signal, no inherited descriptors).
#pragma once

#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::agentd {

struct CommandResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it (SIGKILL after the time limit too)
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved; the last 64 KiB
};

// kIoError naming argv[0] when it cannot be started.
Result<CommandResult> run_command(const std::vector<std::string>& argv, double timeout_s);

}  // namespace outpost::agentd
