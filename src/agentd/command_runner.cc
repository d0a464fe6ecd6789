#include "agentd/command_runner.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "agentd/process_launch.h"

namespace outpost::agentd {
namespace {

constexpr size_t kKeptOutput = 64 * 1024;

// Reads what is there (the descriptor is non-blocking); false at end of file.
bool drain(int fd, std::string& out) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
      if (out.size() > 2 * kKeptOutput) out.erase(0, out.size() - kKeptOutput);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    return false;
  }
}

}  // namespace

Result<CommandResult> run_command(const std::vector<std::string>& argv, double timeout_s) {
  ProcessSpec spec;
  spec.name = argv.empty() ? "command" : argv[0];
  spec.argv = argv;
  OUTPOST_ASSIGN_OR_RETURN(LaunchedProcess p, launch_process(spec));
  CommandResult r;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration_cast<
                                                               std::chrono::steady_clock::duration>(
                                                               std::chrono::duration<double>(timeout_s));
  bool open = true;
  int status = 0;
  for (;;) {
    if (open) {
      pollfd pfd{p.output_fd, POLLIN, 0};
      ::poll(&pfd, 1, 50);
      open = drain(p.output_fd, r.output);
    } else {
      ::usleep(20 * 1000);
    }
    const pid_t done = ::waitpid(p.pid, &status, WNOHANG);
    if (done == p.pid) break;
    if (!r.timed_out && std::chrono::steady_clock::now() >= give_up) {
      r.timed_out = true;
      ::kill(-p.pid, SIGKILL);
    }
  }
  if (open) drain(p.output_fd, r.output);
  ::close(p.output_fd);
  if (r.output.size() > kKeptOutput) r.output.erase(0, r.output.size() - kKeptOutput);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace outpost::agentd
