// The agent's supervisor: each module of a deployment runs as a child process (`outpost serve`
// or `outpost pipeline run`), restarted by its restart policy with exponential back-off that
// resets once it has run stably, its output captured to size-bounded rotating logs, limited by
// rlimits, and stopped with SIGTERM (then SIGKILL after a grace period).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/manifest.h"
#include "outpost/status.h"

namespace outpost::agentd {

// Limits applied to the child before exec (setrlimit); absent: inherited.
struct ProcessLimits {
  std::optional<uint64_t> max_memory_bytes;  // RLIMIT_AS
  std::optional<uint64_t> max_cpu_seconds;   // RLIMIT_CPU (total CPU time of one run)
  std::optional<uint64_t> max_open_files;    // RLIMIT_NOFILE
  int nice = 0;                              // added to the agent's own niceness
};

struct ProcessSpec {
  std::string name;               // the module's name; unique among running processes
  std::vector<std::string> argv;  // argv[0] is an absolute path (no PATH search)
  std::string working_dir;        // must exist
  std::vector<std::string> env;   // NAME=VALUE added to the agent's environment
  agent::RestartSpec restart;     // policy and back-off bounds (agent/manifest.h)
  double stable_after_s = 60;     // a run this long resets the back-off to its minimum
  ProcessLimits limits;
  // stdout and stderr, interleaved, go to log_path; past log_max_bytes it becomes
  // log_path.1 (log_path.1 becomes .2, ...), keeping log_files files in all.
  std::string log_path;
  uint64_t log_max_bytes = uint64_t{1} << 20;
  int log_files = 3;
};

enum class ProcessState {
  kRunning,     // started and not exited
  kBackingOff,  // exited; restarts when its back-off delay has passed
  kExited,      // exited and will not restart (policy), with its last exit recorded
  kStopped,     // stopped by stop()/stop_all()
};
const char* process_state_name(ProcessState state);  // "running", "backing_off", ...

struct ProcessStatus {
  std::string name;
  ProcessState state = ProcessState::kRunning;
  pid_t pid = 0;                         // of the running child; 0 when none
  int restarts = 0;                      // times restarted since start()
  std::optional<int> last_exit_code;     // of the last run that ended, when it exited
  std::optional<int> last_signal;        // ... when a signal ended it
  double seconds_in_state = 0;           // since the last start or exit
  double next_restart_in_s = 0;          // when backing off
  std::string last_error;                // e.g. "exec failed: No such file or directory"
  uint64_t log_dropped_bytes = 0;        // output lost because its log could not be written
};

// Thread-safe. A background thread reaps children, pumps their output into the logs and
// restarts them when due; the destructor stops every child (stop_all with a short grace).
class Supervisor {
 public:
  Supervisor();
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts the process now. The child gets a parent-death signal (SIGTERM), which Linux sends
  // when the *thread* that forked it ends: call this from a thread that lives as long as the
  // module should (the agent's main loop does), never from a short-lived one. kUsage when a process of that name is supervised (stop it first);
  // kIoError naming the path when the log cannot be opened or argv[0] is not executable.
  Status start(ProcessSpec spec);
  // SIGTERM to the child's process group, SIGKILL after `grace_s`; waits until it is gone and
  // forgets it. kUsage when no such process is supervised.
  Status stop(const std::string& name, double grace_s = 10);
  void stop_all(double grace_s = 10);

  std::optional<ProcessStatus> status(const std::string& name) const;
  std::vector<ProcessStatus> status_all() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::agentd
