#include "support/spawned_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace outpost::testing {

SpawnedProcess::SpawnedProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
  // Everything the child touches is made before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  std::vector<std::string> env = options.env;
  const int flags = O_WRONLY | O_CREAT | (options.append ? O_APPEND : O_TRUNC) | O_CLOEXEC;
  pid_ = fork();
  if (pid_ != 0) return;
  const int out = open(options.out.c_str(), flags, 0644);
  const int err = options.err == options.out ? out : open(options.err.c_str(), flags, 0644);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || null < 0) _exit(127);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  dup2(null, STDIN_FILENO);
  for (auto& e : env) putenv(e.data());
  if (options.file_size_limit > 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{options.file_size_limit, options.file_size_limit};
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  execv(raw[0], raw.data());
  _exit(127);
}

SpawnedProcess::~SpawnedProcess() {
  if (pid_ > 0 && !ended_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void SpawnedProcess::signal(int sig) {
  if (pid_ > 0 && !ended_) kill(pid_, sig);
}

bool SpawnedProcess::wait(double seconds, int* status) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < give_up) {
    if (waitpid(pid_, status, WNOHANG) == pid_) {
      ended_ = true;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool SpawnedProcess::running() {
  int status = 0;
  if (ended_ || waitpid(pid_, &status, WNOHANG) != pid_) return !ended_;
  ended_ = true;
  return false;
}

bool SpawnedProcess::stop(double seconds) {
  signal(SIGTERM);
  int status = 0;
  return wait(seconds, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace outpost::testing
