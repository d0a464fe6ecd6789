// The supervisor with real processes (/bin/sh scripts, sleep): restart policies, exponential
// back-off and its reset after a stable run, captured and rotated output, rlimits and
// niceness, stop with SIGTERM then SIGKILL, exec failures, and no child left behind.
// Timings are asserted only as lower bounds (a delay is never shorter than the back-off) or
// with generous margins, so that a loaded machine cannot make them fail.
#include "agentd/supervisor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

using agent::RestartPolicy;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Polls `done` every 10 ms for up to `timeout_s`.
bool wait_until(const std::function<bool()>& done, double timeout_s = 20) {
  const auto give_up = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Gone, or a zombie waiting for its parent (an orphan's is init, which reaps when it will).
bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const size_t name_end = stat.rfind(')');
  return name_end != std::string::npos && stat.compare(name_end, 4, ") Z ") == 0;
}

// Sets a signal's disposition with the kernel's call, which, unlike glibc's sigaction(), also
// takes the signals glibc reserves (32 and 33). Returns the kernel's previous action.
struct KernelSigaction {
  unsigned char bytes[64] = {};
};
KernelSigaction set_kernel_action(int sig, const KernelSigaction& action) {
  KernelSigaction old;
  syscall(SYS_rt_sigaction, sig, action.bytes, old.bytes, (NSIG - 1) / 8);
  return old;
}
KernelSigaction ignore_action() {
  KernelSigaction action;
  const auto ignore = reinterpret_cast<std::uintptr_t>(SIG_IGN);
  std::memcpy(action.bytes, &ignore, sizeof ignore);  // the handler is the first field
  return action;
}

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-supervisor"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ProcessSpec sh(const std::string& name, const std::string& script,
                 RestartPolicy policy = RestartPolicy::kOnFailure) const {
    ProcessSpec spec;
    spec.name = name;
    spec.argv = {"/bin/sh", "-c", script};
    spec.working_dir = dir_;
    spec.restart.policy = policy;
    spec.restart.backoff_min_s = 0.05;
    spec.restart.backoff_max_s = 0.05;
    spec.log_path = log(name);
    return spec;
  }
  std::string log(const std::string& name) const { return dir_ + "/logs/" + name + ".log"; }

  // Waits until `name` has this state (and, if given, at least `restarts` restarts).
  bool wait_for(const Supervisor& s, const std::string& name, ProcessState state,
                int restarts = 0) const {
    return wait_until([&] {
      const auto st = s.status(name);
      return st && st->state == state && st->restarts >= restarts;
    });
  }

  std::string dir_;
};

TEST_F(SupervisorTest, AlwaysRestartsAProcessThatExitsZero) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "echo run", RestartPolicy::kAlways)).is_ok());
  ASSERT_TRUE(wait_until([&] { return s.status("job")->restarts >= 3; }));
  const ProcessStatus st = *s.status("job");
  EXPECT_EQ(st.last_exit_code, 0);
  EXPECT_FALSE(st.last_signal.has_value());
  ASSERT_TRUE(s.stop("job").is_ok());
  const std::string text = slurp(log("job"));
  EXPECT_GE(count_of(text, "run\n"), 3u) << text;
  EXPECT_GE(count_of(text, "--- started pid "), 4u) << text;
  EXPECT_GE(count_of(text, "--- exited with code 0 at "), 3u) << text;
}

TEST_F(SupervisorTest, OnFailureLeavesASuccessfulExitAlone) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "exit 0")).is_ok());
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kExited));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // several back-offs' time
  const ProcessStatus st = *s.status("job");
  EXPECT_EQ(st.state, ProcessState::kExited);
  EXPECT_EQ(st.restarts, 0);
  EXPECT_EQ(st.last_exit_code, 0);
  EXPECT_EQ(st.pid, 0);
}

TEST_F(SupervisorTest, OnFailureRestartsAFailedExit) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "exit 1")).is_ok());
  ASSERT_TRUE(wait_until([&] { return s.status("job")->restarts >= 2; }));
  EXPECT_EQ(s.status("job")->last_exit_code, 1);
}

TEST_F(SupervisorTest, OnFailureRestartsAKilledChild) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "sleep 60")).is_ok());
  const pid_t first = s.status("job")->pid;
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kRunning, 1));
  const ProcessStatus st = *s.status("job");
  EXPECT_NE(st.pid, first);
  EXPECT_EQ(st.last_signal, SIGKILL);
  EXPECT_FALSE(st.last_exit_code.has_value());
  EXPECT_TRUE(wait_until([&] { return process_gone(first); }));
  EXPECT_NE(slurp(log("job")).find("--- killed by signal 9 (SIGKILL)"), std::string::npos);
}

TEST_F(SupervisorTest, NeverRestartsNothing) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "exit 3", RestartPolicy::kNever)).is_ok());
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kExited));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(s.status("job")->restarts, 0);
  EXPECT_EQ(s.status("job")->last_exit_code, 3);
  EXPECT_STREQ(process_state_name(s.status("job")->state), "exited");
}

// The start times each run appends to `starts` (seconds, from date(1)).
std::vector<double> start_times(const std::string& path) {
  std::istringstream in(slurp(path));
  std::vector<double> times;
  for (double t; in >> t;) times.push_back(t);
  return times;
}

TEST_F(SupervisorTest, BackOffDoublesAfterEachFailureUpToItsMaximum) {
  Supervisor s;
  ProcessSpec spec = sh("job", "date +%s.%N >> starts; exit 1");
  spec.restart.backoff_min_s = 0.2;
  spec.restart.backoff_max_s = 0.8;
  ASSERT_TRUE(s.start(spec).is_ok());
  // Delays 0.2, 0.4, 0.8, 0.8: each gap between starts is at least its delay.
  ASSERT_TRUE(wait_until([&] { return start_times(dir_ + "/starts").size() >= 5; }));
  bool saw_backing_off = false;
  ASSERT_TRUE(wait_until([&] {
    const auto st = s.status("job");
    if (st->state != ProcessState::kBackingOff) return false;
    EXPECT_LE(st->next_restart_in_s, 0.8 + 1e-9);  // never past the maximum
    saw_backing_off = true;
    return true;
  }));
  EXPECT_TRUE(saw_backing_off);
  ASSERT_TRUE(s.stop("job", 1).is_ok());
  const std::vector<double> t = start_times(dir_ + "/starts");
  const double expected[] = {0.2, 0.4, 0.8, 0.8};
  for (int i = 0; i < 4; ++i) EXPECT_GE(t[i + 1] - t[i], expected[i] - 0.01) << "gap " << i;
  // Doubling, not a constant delay: the third gap is longer than the first by far.
  EXPECT_GT(t[3] - t[2], t[1] - t[0]);
}

TEST_F(SupervisorTest, AStableRunResetsTheBackOff) {
  Supervisor s;
  // Runs 1-4 fail at once (delays 0.1, 0.2, 0.4, 0.8); run 5 lasts past stable_after_s, so
  // the delay before run 6 is the minimum again, where it would be 1.6 s without the reset.
  ProcessSpec spec = sh("job",
                        "echo x >> runs; n=$(wc -l < runs); "
                        "if [ $n -eq 5 ]; then sleep 0.6; date +%s.%N > stable_end; fi; "
                        "if [ $n -eq 6 ]; then date +%s.%N > sixth_start; fi; exit 1");
  spec.restart.backoff_min_s = 0.1;
  spec.restart.backoff_max_s = 100;
  spec.stable_after_s = 0.4;
  ASSERT_TRUE(s.start(spec).is_ok());
  ASSERT_TRUE(wait_until([&] {  // the shell creates the file before date writes to it
    const std::string text = slurp(dir_ + "/sixth_start");
    return !text.empty() && text.back() == '\n';
  }));
  ASSERT_TRUE(s.stop("job", 1).is_ok());
  const double gap =
      std::stod(slurp(dir_ + "/sixth_start")) - std::stod(slurp(dir_ + "/stable_end"));
  EXPECT_GE(gap, 0.1 - 0.01);
  EXPECT_LT(gap, 1.2) << "the back-off was not reset by the stable run";
}

TEST_F(SupervisorTest, LogsCaptureStdoutAndStderr) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "echo to-stdout; echo to-stderr >&2; exit 4",
                         RestartPolicy::kNever))
                  .is_ok());
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kExited));
  const std::string text = slurp(log("job"));
  EXPECT_NE(text.find("\nto-stdout\nto-stderr\n--- exited with code 4 at "), std::string::npos)
      << text;
}

TEST_F(SupervisorTest, LogsRotateAtTheirSize) {
  Supervisor s;
  ProcessSpec spec = sh("job",
                        "i=0; while [ $i -lt 200 ]; do "
                        "echo \"line $i of the output, forty bytes..\"; i=$((i+1)); done",
                        RestartPolicy::kNever);
  spec.log_max_bytes = 1000;
  spec.log_files = 3;
  ASSERT_TRUE(s.start(spec).is_ok());
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kExited));
  for (const std::string suffix : {"", ".1", ".2"}) {
    ASSERT_TRUE(std::filesystem::exists(log("job") + suffix)) << suffix;
    EXPECT_LE(std::filesystem::file_size(log("job") + suffix), 1000u) << suffix;
  }
  EXPECT_FALSE(std::filesystem::exists(log("job") + ".3"));
  EXPECT_NE(slurp(log("job")).find("line 199 of the output"), std::string::npos);
}

TEST_F(SupervisorTest, AFullLogDiskDoesNotStopTheChild) {
  Supervisor s;
  // The log is /dev/full (through a link, which no rotation renames past its 1 MiB).
  ProcessSpec spec = sh("job", "echo lost; echo lost too >&2; exit 0", RestartPolicy::kNever);
  std::filesystem::create_directories(dir_ + "/logs");
  std::filesystem::create_symlink("/dev/full", spec.log_path);
  ASSERT_TRUE(s.start(spec).is_ok());
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kExited));
  EXPECT_EQ(s.status("job")->last_exit_code, 0);  // not killed by SIGPIPE, not blocked
  EXPECT_GT(s.status("job")->log_dropped_bytes, std::string("lost\nlost too\n").size());
}

TEST_F(SupervisorTest, AppliesRlimitsAndNiceness) {
  Supervisor s;
  ProcessSpec spec = sh("job", "ulimit -v; ulimit -n; ulimit -t; nice", RestartPolicy::kNever);
  spec.limits.max_memory_bytes = uint64_t{512} << 20;
  spec.limits.max_open_files = 64;
  spec.limits.max_cpu_seconds = 100;
  spec.limits.nice = 5;
  ASSERT_TRUE(s.start(spec).is_ok());
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kExited));
  errno = 0;
  const int own_nice = getpriority(PRIO_PROCESS, 0);
  const std::string expected =
      "\n524288\n64\n100\n" + std::to_string(std::min(own_nice + 5, 19)) + "\n";
  const std::string text = slurp(log("job"));
  EXPECT_NE(text.find(expected), std::string::npos) << text;
  EXPECT_EQ(s.status("job")->last_exit_code, 0);
}

TEST_F(SupervisorTest, SetsEnvironmentAndWorkingDirectory) {
  Supervisor s;
  ProcessSpec spec = sh("job", "pwd; echo \"$OUTPOST_SUPERVISOR_TEST\"", RestartPolicy::kNever);
  std::filesystem::create_directory(dir_ + "/work");
  spec.working_dir = dir_ + "/work";
  spec.env = {"OUTPOST_SUPERVISOR_TEST=from the spec"};
  setenv("OUTPOST_SUPERVISOR_TEST", "from the agent", 1);
  ASSERT_TRUE(s.start(spec).is_ok());
  unsetenv("OUTPOST_SUPERVISOR_TEST");
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kExited));
  const std::string text = slurp(log("job"));
  EXPECT_NE(text.find(std::filesystem::canonical(dir_ + "/work").string() + "\nfrom the spec\n"),
            std::string::npos)
      << text;
}

TEST_F(SupervisorTest, ChildGetsDefaultSignalsAndNoInheritedDescriptors) {
  // The agent blocks SIGTERM in its threads and ignores SIGPIPE; its children must not.
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old_mask);
  struct sigaction ignore {}, old_pipe {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old_pipe);
  // glibc's reserved signal 32, ignored as CI's runner hands it down.
  const KernelSigaction old_32 = set_kernel_action(32, ignore_action());
  const int leaked = open("/dev/null", O_RDONLY);  // not close-on-exec
  ASSERT_GE(leaked, 3);
  {
    Supervisor s;
    // grep run directly (a shell blocks signals of its own while it waits for a command).
    ProcessSpec masks = sh("masks", "", RestartPolicy::kNever);
    masks.argv = {"/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
    ASSERT_TRUE(s.start(masks).is_ok());
    const std::string fd = "/proc/$$/fd/" + std::to_string(leaked);
    ASSERT_TRUE(s.start(sh("fds", "if [ -e " + fd + " ]; then echo open; else echo closed; fi",
                           RestartPolicy::kNever))
                    .is_ok());
    ProcessSpec sleeper = sh("sleeper", "");
    sleeper.argv = {"/bin/sleep", "60"};
    ASSERT_TRUE(s.start(sleeper).is_ok());
    ASSERT_TRUE(wait_for(s, "masks", ProcessState::kExited));
    ASSERT_TRUE(wait_for(s, "fds", ProcessState::kExited));
    ASSERT_TRUE(s.stop("sleeper", 10).is_ok());  // SIGTERM ends it, were it not blocked
  }
  close(leaked);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  set_kernel_action(32, old_32);
  const std::string masks = slurp(log("masks"));
  EXPECT_NE(masks.find("SigBlk:\t0000000000000000"), std::string::npos) << masks;
  EXPECT_NE(masks.find("SigIgn:\t0000000000000000"), std::string::npos) << masks;
  EXPECT_NE(slurp(log("fds")).find("\nclosed\n"), std::string::npos) << slurp(log("fds"));
  const std::string sleeper = slurp(log("sleeper"));
  EXPECT_NE(sleeper.find("--- killed by signal 15 (SIGTERM)"), std::string::npos) << sleeper;
}

TEST_F(SupervisorTest, StopKillsAChildThatIgnoresTermAfterTheGrace) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "trap '' TERM; echo trapped; sleep 60")).is_ok());
  const pid_t pid = s.status("job")->pid;
  ASSERT_TRUE(wait_until([&] { return slurp(log("job")).find("trapped") != std::string::npos; }));
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(s.stop("job", 0.3).is_ok());
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(290));
  EXPECT_TRUE(process_gone(pid));
  EXPECT_FALSE(s.status("job").has_value());
  EXPECT_NE(slurp(log("job")).find("--- killed by signal 9 (SIGKILL)"), std::string::npos);
  // Forgotten: the name can be started again, and a second stop is a usage error.
  EXPECT_EQ(s.stop("job").code(), StatusCode::kUsage);
  EXPECT_TRUE(s.start(sh("job", "sleep 60")).is_ok());
}

TEST_F(SupervisorTest, StopForgetsAProcessThatIsBackingOff) {
  Supervisor s;
  ProcessSpec spec = sh("job", "exit 1");
  spec.restart.backoff_min_s = spec.restart.backoff_max_s = 60;
  ASSERT_TRUE(s.start(spec).is_ok());
  ASSERT_TRUE(wait_for(s, "job", ProcessState::kBackingOff));
  EXPECT_GT(s.status("job")->next_restart_in_s, 1);
  ASSERT_TRUE(s.stop("job").is_ok());
  EXPECT_TRUE(s.status_all().empty());
}

TEST_F(SupervisorTest, AMissingProgramIsAnIoErrorNamingIt) {
  Supervisor s;
  ProcessSpec spec = sh("job", "");
  spec.argv = {"/nonexistent/outpost-module", "serve"};
  const Status st = s.start(spec);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find("/nonexistent/outpost-module"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("exec"), std::string::npos) << st.message();
  EXPECT_FALSE(s.status("job").has_value());
  spec.argv = {"relative/outpost"};
  EXPECT_EQ(s.start(spec).code(), StatusCode::kUsage);
  spec = sh("job", "true");
  spec.working_dir = dir_ + "/no-such-dir";
  const Status chdir_failed = s.start(spec);
  EXPECT_EQ(chdir_failed.code(), StatusCode::kIoError);
  EXPECT_NE(chdir_failed.message().find("no-such-dir"), std::string::npos);
}

TEST_F(SupervisorTest, AnExecFailureOnARestartIsRecordedAndBacksOff) {
  const std::string program = dir_ + "/module.sh";
  std::ofstream(program) << "#!/bin/sh\nexit 1\n";
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  Supervisor s;
  ProcessSpec spec = sh("job", "");
  spec.argv = {program};
  spec.restart.backoff_min_s = 0.3;
  spec.restart.backoff_max_s = 0.3;
  ASSERT_TRUE(s.start(spec).is_ok());
  std::filesystem::remove(program);  // before the first restart, 0.3 s after the exit
  ASSERT_TRUE(wait_until([&] { return !s.status("job")->last_error.empty(); }));
  const ProcessStatus st = *s.status("job");
  EXPECT_NE(st.last_error.find("exec failed"), std::string::npos) << st.last_error;
  EXPECT_NE(st.last_error.find(program), std::string::npos) << st.last_error;
  EXPECT_EQ(st.state, ProcessState::kBackingOff);
  EXPECT_NE(slurp(log("job")).find("--- could not start: "), std::string::npos);
}

TEST_F(SupervisorTest, AChildReapedElsewhereIsNotWaitedForForever) {
  // With SIGCHLD ignored the kernel reaps children itself: waitpid finds none.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ignore, &old);
  {
    Supervisor s;
    ASSERT_TRUE(s.start(sh("job", "exit 0", RestartPolicy::kNever)).is_ok());
    EXPECT_TRUE(wait_for(s, "job", ProcessState::kExited));
    EXPECT_NE(s.status("job")->last_error.find("lost"), std::string::npos);
  }
  sigaction(SIGCHLD, &old, nullptr);
}

TEST_F(SupervisorTest, ANameIsSupervisedOnce) {
  Supervisor s;
  ASSERT_TRUE(s.start(sh("job", "sleep 60")).is_ok());
  EXPECT_EQ(s.start(sh("job", "sleep 60")).code(), StatusCode::kUsage);
  EXPECT_EQ(s.stop("other").code(), StatusCode::kUsage);
  ASSERT_TRUE(s.start(sh("second", "sleep 60")).is_ok());
  EXPECT_EQ(s.status_all().size(), 2u);
}

TEST_F(SupervisorTest, TheDestructorLeavesNoChildAlive) {
  std::vector<pid_t> pids;
  {
    Supervisor s;
    // Each shell starts sleep in the background (same process group) and says its pid.
    for (const std::string name : {"a", "b"}) {
      ASSERT_TRUE(s.start(sh(name, "sleep 60 & echo helper $!; wait")).is_ok());
      pids.push_back(s.status(name)->pid);
    }
    for (const std::string name : {"a", "b"})
      ASSERT_TRUE(
          wait_until([&] { return slurp(log(name)).find("helper ") != std::string::npos; }));
  }
  for (const std::string name : {"a", "b"}) {
    const std::string text = slurp(log(name));
    pids.push_back(std::stoi(text.substr(text.find("helper ") + 7)));
  }
  for (pid_t pid : pids) EXPECT_TRUE(wait_until([&] { return process_gone(pid); }, 5)) << pid;
}

}  // namespace
}  // namespace outpost::agentd
