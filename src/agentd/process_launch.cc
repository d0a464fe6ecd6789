#include "agentd/process_launch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace outpost::agentd {
namespace {

// The step of the child's set-up that failed, sent to the parent with its errno.
enum class Step : int { kStdio, kChdir, kRlimitAs, kRlimitCpu, kRlimitNofile, kNice, kExec };

const char* step_name(Step step) {
  switch (step) {
    case Step::kStdio: return "redirecting stdio";
    case Step::kChdir: return "chdir to the working directory";
    case Step::kRlimitAs: return "setrlimit RLIMIT_AS";
    case Step::kRlimitCpu: return "setrlimit RLIMIT_CPU";
    case Step::kRlimitNofile: return "setrlimit RLIMIT_NOFILE";
    case Step::kNice: return "nice";
    case Step::kExec: return "exec";
  }
  return "?";
}

struct ChildFailure {
  Step step;
  int error;
};

// The agent's environment with the spec's NAME=VALUE entries added (replacing a same name).
std::vector<std::string> child_environment(const std::vector<std::string>& added) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const auto& a : added) replaced = replaced || a.compare(0, name.size(), name) == 0;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), added.begin(), added.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// Everything the child needs, made before fork: after it only async-signal-safe calls are
// allowed (the agent has other threads, whose locks the child inherits held).
struct ChildPlan {
  std::vector<std::string> argv_strings, env_strings;
  std::vector<char*> argv, env;
  const ProcessSpec* spec = nullptr;
  int null_fd = -1, output_fd = -1, report_fd = -1;
  pid_t parent = 0;
};

[[noreturn]] void fail_in_child(int report_fd, Step step) {
  const ChildFailure failure{step, errno};
  ssize_t ignored = write(report_fd, &failure, sizeof(failure));
  (void)ignored;
  _exit(127);
}

bool set_limit(int resource, const std::optional<uint64_t>& value) {
  if (!value) return true;
  const rlimit limit{static_cast<rlim_t>(*value), static_cast<rlim_t>(*value)};
  return setrlimit(resource, &limit) == 0;
}

// Signals 32 and 33 are reserved by glibc, whose sigaction() refuses them, yet an ignored
// disposition of theirs is inherited through exec like any other (CI's runner hands one down).
// The kernel's call takes them; an all-zero kernel sigaction is SIG_DFL with no flags and an
// empty mask on every layout.
void reset_to_default(int sig) {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  if (sigaction(sig, &default_action, nullptr) == 0 || errno != EINVAL) return;
  unsigned char kernel_action[64] = {};
  syscall(SYS_rt_sigaction, sig, kernel_action, nullptr, (NSIG - 1) / 8);
}

[[noreturn]] void run_child(const ChildPlan& plan) {
  const ProcessSpec& spec = *plan.spec;
  setpgid(0, 0);
  // A module ends with the agent: an agent killed outright (SIGKILL, a crash) must not leave
  // its modules holding their ports and files when it restarts. The check after the call
  // covers an agent that died before it.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != plan.parent) _exit(127);
  for (int sig = 1; sig < NSIG; ++sig) reset_to_default(sig);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(plan.null_fd, STDIN_FILENO) < 0 || dup2(plan.output_fd, STDOUT_FILENO) < 0 ||
      dup2(plan.output_fd, STDERR_FILENO) < 0)
    fail_in_child(plan.report_fd, Step::kStdio);
  if (!spec.working_dir.empty() && chdir(spec.working_dir.c_str()) != 0)
    fail_in_child(plan.report_fd, Step::kChdir);
  if (!set_limit(RLIMIT_AS, spec.limits.max_memory_bytes))
    fail_in_child(plan.report_fd, Step::kRlimitAs);
  if (!set_limit(RLIMIT_CPU, spec.limits.max_cpu_seconds))
    fail_in_child(plan.report_fd, Step::kRlimitCpu);
  if (!set_limit(RLIMIT_NOFILE, spec.limits.max_open_files))
    fail_in_child(plan.report_fd, Step::kRlimitNofile);
  if (spec.limits.nice != 0) {
    errno = 0;
    if (nice(spec.limits.nice) == -1 && errno != 0) fail_in_child(plan.report_fd, Step::kNice);
  }
  // Every descriptor past stdio closes at exec (the report pipe already does), so the module
  // holds none of the agent's files, sockets or other children's pipes.
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    const long most = sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < (most > 0 && most < 65536 ? most : 65536); ++fd)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  execve(plan.argv[0], plan.argv.data(), plan.env.data());
  fail_in_child(plan.report_fd, Step::kExec);
}

void close_all(std::initializer_list<int> fds) {
  for (int fd : fds)
    if (fd >= 0) close(fd);
}

}  // namespace

Result<LaunchedProcess> launch_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) return usage_error(spec.name + ": no command to run");
  const std::string& program = spec.argv[0];
  ChildPlan plan;
  plan.spec = &spec;
  plan.parent = getpid();
  plan.argv_strings = spec.argv;
  plan.env_strings = child_environment(spec.env);
  plan.argv = pointers(plan.argv_strings);
  plan.env = pointers(plan.env_strings);
  int output[2] = {-1, -1}, report[2] = {-1, -1};
  plan.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (plan.null_fd < 0 || pipe2(output, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    close_all({plan.null_fd, output[0], output[1], report[0], report[1]});
    return io_error(program + ": cannot make the pipes to start it: " + why);
  }
  plan.output_fd = output[1];
  plan.report_fd = report[1];
  const pid_t pid = fork();
  if (pid == 0) run_child(plan);
  const int fork_error = errno;
  close_all({plan.null_fd, output[1], report[1]});
  if (pid < 0) {
    close_all({output[0], report[0]});
    return io_error(program + ": cannot fork: " + std::strerror(fork_error));
  }
  setpgid(pid, pid);  // also here, so that no signal to the group can precede the child's own
  ChildFailure failure{};
  ssize_t n = 0;
  do {
    n = read(report[0], &failure, sizeof(failure));  // 0: the pipe closed at a successful exec
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == static_cast<ssize_t>(sizeof(failure))) {
    close(output[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string step = step_name(failure.step);
    if (failure.step == Step::kChdir) step += " " + spec.working_dir;
    return io_error(program + ": " + step + " failed: " + std::strerror(failure.error));
  }
  fcntl(output[0], F_SETFL, fcntl(output[0], F_GETFL) | O_NONBLOCK);
  return LaunchedProcess{pid, output[0]};
}

}  // namespace outpost::agentd
