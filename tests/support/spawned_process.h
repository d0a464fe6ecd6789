// A program a test runs as a real child process (the CLI under test, an agent, a server):
// stdout and stderr into files, stdin from /dev/null, extra environment variables, optionally a
// file-size limit. SIGKILLed and reaped by the destructor unless the test saw it end, so a
// failed assertion leaves nothing running.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace outpost::testing {

struct SpawnOptions {
  std::string out = "/dev/null";  // stdout; the same path as `err` interleaves both
  std::string err = "/dev/null";
  bool append = false;               // append to the files instead of truncating them
  std::vector<std::string> env;      // NAME=VALUE added to the test's environment
  // Non-zero: RLIMIT_FSIZE for the child, with SIGXFSZ ignored (which exec keeps), so that a
  // write past it fails with EFBIG as it would on a full disk.
  uint64_t file_size_limit = 0;
};

class SpawnedProcess {
 public:
  // argv[0] is a path (no PATH search).
  SpawnedProcess(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  ~SpawnedProcess();
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  void signal(int sig);
  // Whether it ended within `seconds`; its wait status in *status.
  bool wait(double seconds, int* status);
  // Whether it is still running (reaps it when it has ended).
  bool running();
  // SIGTERM, and whether it then exited 0 within `seconds`.
  bool stop(double seconds = 30);

 private:
  pid_t pid_ = -1;
  bool ended_ = false;
};

}  // namespace outpost::testing
