// Starting one run of a supervised process (agentd/supervisor.h): fork, then in the child —
// its own process group, default signal dispositions and an empty signal mask (the agent
// blocks SIGTERM in its threads), stdin from /dev/null, stdout and stderr into a pipe, the
// working directory, rlimits and niceness, every other descriptor closed — and exec with no
// shell and no PATH search. A failure in the child before or at exec comes back through a
// close-on-exec pipe, so the caller learns of it before this returns.
#pragma once

#include <sys/types.h>

#include "agentd/supervisor.h"
#include "outpost/status.h"

namespace outpost::agentd {

struct LaunchedProcess {
  pid_t pid = 0;        // also its process group's id
  int output_fd = -1;   // the read end of its stdout+stderr pipe: non-blocking, close-on-exec
};

// kIoError naming argv[0] and the step that failed ("exec", "chdir", "setrlimit RLIMIT_AS",
// "nice") with the child's errno; the failed child is reaped before this returns.
Result<LaunchedProcess> launch_process(const ProcessSpec& spec);

}  // namespace outpost::agentd
