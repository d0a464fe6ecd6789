// A helper program run by a test (a server the code under test talks to), killed by the
// destructor whatever happens in the test, so none is left behind by a failed assertion.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace outpost::testing {

class ChildProcess {
 public:
  // Runs argv (argv[0] searched on PATH) with stdin and stderr on /dev/null and waits until its
  // stdout has printed `ready` (at most `timeout_seconds`); null with the reason in *error
  // otherwise. stdout stays open while it runs, so a late print cannot kill it with SIGPIPE.
  static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& argv,
                                             const std::string& ready, double timeout_seconds,
                                             std::string* error);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void kill();  // SIGKILL and reap, as a crash would end it; safe to call twice

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_(stdout_fd) {}
  pid_t pid_;
  int stdout_;  // the read end of its stdout
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_tcp_port();

}  // namespace outpost::testing
