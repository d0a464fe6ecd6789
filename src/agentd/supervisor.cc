#include "agentd/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "agentd/process_launch.h"
#include "agentd/rotating_log.h"

namespace outpost::agentd {

const char* process_state_name(ProcessState state) {
  switch (state) {
    case ProcessState::kRunning: return "running";
    case ProcessState::kBackingOff: return "backing_off";
    case ProcessState::kExited: return "exited";
    case ProcessState::kStopped: return "stopped";
  }
  return "?";
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kTickMs = 50;               // how often children are reaped and restarts checked
constexpr size_t kReadChunk = 64 * 1024;  // output read per child per wake-up
constexpr int kDrainChunks = 16;          // read at most this much more once a child has exited
constexpr double kKillWaitS = 30;         // after SIGKILL: only an uninterruptible sleep delays

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
Clock::duration duration_s(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The group first (the module's helpers with it); the process alone if it left its group.
void signal_process(pid_t pid, int sig) {
  if (kill(-pid, sig) != 0) kill(pid, sig);
}

struct Entry {
  ProcessSpec spec;
  std::unique_ptr<RotatingLog> log;
  ProcessState state = ProcessState::kRunning;
  pid_t pid = 0;
  int output_fd = -1;
  int restarts = 0;
  std::optional<int> last_exit_code;
  std::optional<int> last_signal;
  std::string last_error;
  Clock::time_point started_at{}, state_since{}, restart_at{};
  double delay_s = 0;     // the back-off's current delay; 0 until the first restart
  bool stopping = false;  // stop() asked: never restarted, forgotten once it has no child
  bool gone = false;      // forgotten: stop() may return
};

}  // namespace

struct Supervisor::Impl {
  mutable std::mutex mutex;
  std::condition_variable changed;  // the thread made a pass: an entry may be gone
  std::map<std::string, std::shared_ptr<Entry>> entries;
  int wake_fd = -1;
  bool quit = false;
  std::thread thread;

  void wake() const {
    const uint64_t one = 1;
    ssize_t ignored = write(wake_fd, &one, sizeof(one));
    (void)ignored;
  }

  // Starts a run of `e` (under the mutex). On failure the error is returned and recorded.
  Status launch(Entry& e) {
    Result<LaunchedProcess> child = launch_process(e.spec);
    const Clock::time_point now = Clock::now();
    e.state_since = now;
    if (!child.is_ok()) {
      e.last_error = child.status().message();
      e.log->write("--- could not start: " + e.last_error + " ---\n");
      return child.status();
    }
    e.pid = child->pid;
    e.output_fd = child->output_fd;
    e.state = ProcessState::kRunning;
    e.started_at = now;
    e.last_error.clear();
    e.log->write("--- started pid " + std::to_string(e.pid) + " at " + utc_now() + " ---\n");
    return Status::ok();
  }

  // Copies what the child wrote into its log; closes the pipe at its end. Returns read()'s
  // result: above 0 when there may be more.
  ssize_t pump(Entry& e) {
    char buffer[kReadChunk];
    const ssize_t n = read(e.output_fd, buffer, sizeof(buffer));
    if (n > 0) e.log->write(std::string_view(buffer, static_cast<size_t>(n)));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      close(e.output_fd);
      e.output_fd = -1;
    }
    return n;
  }

  // The child exited: log it, then restart it later, or not, by its policy.
  void on_exit(Entry& e, std::optional<int> wait_status, Clock::time_point now) {
    // What the run left in its process group goes with it, so that a restart never meets it
    // (holding the port, say); then what it wrote before it exited is read.
    kill(-e.pid, SIGKILL);
    for (int i = 0; i < kDrainChunks && e.output_fd >= 0; ++i)
      if (pump(e) <= 0) break;
    // A process that left the group may still hold the pipe: its output is not waited for.
    if (e.output_fd >= 0) close(e.output_fd);
    e.output_fd = -1;
    e.pid = 0;
    e.state_since = now;
    e.last_exit_code.reset();
    e.last_signal.reset();
    bool failed = true;
    if (!wait_status) {
      e.log->write("--- exited, status unknown: " + e.last_error + " ---\n");
    } else if (WIFEXITED(*wait_status)) {
      e.last_exit_code = WEXITSTATUS(*wait_status);
      failed = *e.last_exit_code != 0;
      e.log->write("--- exited with code " + std::to_string(*e.last_exit_code) + " at " +
                   utc_now() + " ---\n");
    } else if (WIFSIGNALED(*wait_status)) {
      e.last_signal = WTERMSIG(*wait_status);
      const char* abbrev = sigabbrev_np(*e.last_signal);
      e.log->write("--- killed by signal " + std::to_string(*e.last_signal) + " (SIG" +
                   (abbrev ? abbrev : "?") + ") at " + utc_now() + " ---\n");
    }
    if (e.stopping) {
      e.state = ProcessState::kStopped;
      return;
    }
    const agent::RestartPolicy policy = e.spec.restart.policy;
    const bool restart = policy == agent::RestartPolicy::kAlways ||
                         (policy == agent::RestartPolicy::kOnFailure && failed);
    if (!restart) {
      e.state = ProcessState::kExited;
      return;
    }
    back_off(e, seconds(now - e.started_at), now);
  }

  // Exponential back-off: the minimum first and after a stable run, doubled after each
  // consecutive failure up to the maximum.
  static void back_off(Entry& e, double ran_s, Clock::time_point now) {
    const agent::RestartSpec& r = e.spec.restart;
    if (e.delay_s == 0 || ran_s >= e.spec.stable_after_s)
      e.delay_s = r.backoff_min_s;
    else
      e.delay_s = std::min(e.delay_s * 2, r.backoff_max_s);
    e.state = ProcessState::kBackingOff;
    e.state_since = now;
    e.restart_at = now + duration_s(e.delay_s);
  }

  // One pass over the children (under the mutex): reap, restart what is due, forget what
  // stop() asked for once it has no child.
  void tick() {
    for (auto it = entries.begin(); it != entries.end();) {
      Entry& e = *it->second;
      if (e.pid > 0) {
        int wait_status = 0;
        const pid_t r = waitpid(e.pid, &wait_status, WNOHANG);
        if (r == e.pid) {
          on_exit(e, wait_status, Clock::now());
        } else if (r < 0 && errno == ECHILD) {
          // Reaped elsewhere (SIGCHLD ignored, or a waitpid(-1)): it is gone, its status lost.
          e.last_error = "its exit status was lost (reaped elsewhere)";
          on_exit(e, std::nullopt, Clock::now());
        }
      }
      if (!e.stopping && e.state == ProcessState::kBackingOff && Clock::now() >= e.restart_at) {
        ++e.restarts;
        if (!launch(e).is_ok()) back_off(e, 0, Clock::now());
      }
      if (e.stopping && e.pid == 0) {
        e.gone = true;
        it = entries.erase(it);
      } else {
        ++it;
      }
    }
  }

  // The background thread: waits for output or the tick, copies output into the logs, ticks.
  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!quit) {
      std::vector<pollfd> fds{{wake_fd, POLLIN, 0}};
      std::vector<std::shared_ptr<Entry>> owners{nullptr};
      for (auto& [name, e] : entries) {
        if (e->output_fd < 0) continue;
        fds.push_back({e->output_fd, POLLIN, 0});
        owners.push_back(e);
      }
      // Only this thread closes output descriptors, so they stay valid while it polls.
      lock.unlock();
      poll(fds.data(), fds.size(), kTickMs);
      lock.lock();
      if (fds[0].revents & POLLIN) {
        uint64_t count = 0;
        ssize_t ignored = read(wake_fd, &count, sizeof(count));
        (void)ignored;
      }
      for (size_t i = 1; i < fds.size(); ++i)
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && owners[i]->output_fd >= 0)
          pump(*owners[i]);
      tick();
      changed.notify_all();
    }
  }

  // SIGTERM to each, SIGKILL to those still there after `grace_s`; returns once all are gone.
  bool stop_entries(const std::vector<std::shared_ptr<Entry>>& list, double grace_s) {
    std::unique_lock<std::mutex> lock(mutex);
    for (const auto& e : list) {
      e->stopping = true;
      e->state = ProcessState::kStopped;
      e->state_since = Clock::now();
      if (e->pid > 0) signal_process(e->pid, SIGTERM);
    }
    wake();
    const auto all_gone = [&] {
      return std::all_of(list.begin(), list.end(), [](const auto& e) { return e->gone; });
    };
    const double grace = grace_s > 0 ? std::min(grace_s, 86400.0) : 0;  // NaN: none
    if (changed.wait_for(lock, duration_s(grace), all_gone)) return true;
    for (const auto& e : list)
      if (!e->gone && e->pid > 0) signal_process(e->pid, SIGKILL);
    wake();
    return changed.wait_for(lock, duration_s(kKillWaitS), all_gone);
  }

  ProcessStatus status_of(const Entry& e) const {
    const Clock::time_point now = Clock::now();
    ProcessStatus s;
    s.name = e.spec.name;
    s.state = e.state;
    s.pid = e.pid;
    s.restarts = e.restarts;
    s.last_exit_code = e.last_exit_code;
    s.last_signal = e.last_signal;
    s.seconds_in_state = seconds(now - e.state_since);
    if (e.state == ProcessState::kBackingOff)
      s.next_restart_in_s = std::max(0.0, seconds(e.restart_at - now));
    s.last_error = e.last_error;
    s.log_dropped_bytes = e.log->dropped_bytes();
    return s;
  }
};

Supervisor::Supervisor() : impl_(std::make_unique<Impl>()) {
  impl_->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  impl_->thread = std::thread([this] { impl_->run(); });
}

Supervisor::~Supervisor() {
  stop_all(5);
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->quit = true;
  }
  impl_->wake();
  impl_->thread.join();
  if (impl_->wake_fd >= 0) close(impl_->wake_fd);
}

Status Supervisor::start(ProcessSpec spec) {
  if (spec.name.empty()) return usage_error("a supervised process needs a name");
  if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/')
    return usage_error(spec.name + ": the program to run must be an absolute path");
  for (const auto& assignment : spec.env)
    if (assignment.find('=') == std::string::npos || assignment[0] == '=')
      return usage_error(spec.name + ": environment entry '" + assignment +
                         "' is not NAME=VALUE");
  const agent::RestartSpec& r = spec.restart;
  if (!(r.backoff_min_s >= 0) || !(r.backoff_max_s >= r.backoff_min_s))
    return usage_error(spec.name + ": back-off bounds must satisfy 0 <= min <= max");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->entries.count(spec.name) != 0)
    return usage_error("a process named '" + spec.name + "' is already supervised; stop it first");
  OUTPOST_ASSIGN_OR_RETURN(std::unique_ptr<RotatingLog> log,
                           RotatingLog::open(spec.log_path, spec.log_max_bytes, spec.log_files));
  auto e = std::make_shared<Entry>();
  e->spec = std::move(spec);
  e->log = std::move(log);
  OUTPOST_RETURN_IF_ERROR(impl_->launch(*e).with_context(e->spec.name));
  impl_->entries[e->spec.name] = e;
  impl_->wake();
  return Status::ok();
}

Status Supervisor::stop(const std::string& name, double grace_s) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    const auto it = impl_->entries.find(name);
    if (it == impl_->entries.end())
      return usage_error("no supervised process named '" + name + "'");
    if (it->second->stopping) return usage_error("'" + name + "' is already being stopped");
    e = it->second;
  }
  if (!impl_->stop_entries({e}, grace_s))
    return internal_error("'" + name + "' did not exit after SIGKILL");
  return Status::ok();
}

void Supervisor::stop_all(double grace_s) {
  std::vector<std::shared_ptr<Entry>> list;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    for (const auto& [name, e] : impl_->entries)
      if (!e->stopping) list.push_back(e);
  }
  if (!list.empty()) impl_->stop_entries(list, grace_s);
}

std::optional<ProcessStatus> Supervisor::status(const std::string& name) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto it = impl_->entries.find(name);
  if (it == impl_->entries.end()) return std::nullopt;
  return impl_->status_of(*it->second);
}

std::vector<ProcessStatus> Supervisor::status_all() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<ProcessStatus> all;
  for (const auto& [name, e] : impl_->entries) all.push_back(impl_->status_of(*e));
  return all;
}

}  // namespace outpost::agentd
