#include "agent/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "agent/strict_json.h"
#include "bundle/keys.h"

namespace outpost::agent {

namespace {

using nlohmann::json;

constexpr char kMagic[] = "outpost-journal-v1";
constexpr size_t kMaxJournalBytes = 1 << 20;
constexpr char kFileName[] = "state.journal";

JournalFaultHookForTesting& fault_hook() {
  static JournalFaultHookForTesting hook;
  return hook;
}

// Stops the process at `step` when a test asked for it.
void fault_point(JournalWriteStep step) {
  if (fault_hook()) fault_hook()(step);
  if (const char* env = std::getenv("OUTPOST_TEST_JOURNAL_KILL_AT_STEP")) {
    if (std::atoi(env) == static_cast<int>(step)) raise(SIGKILL);
  }
}

std::string blake2b_hex(const std::string& bytes) {
  uint8_t hash[32];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const uint8_t*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return hex;
}

std::string errno_text() { return std::strerror(errno); }

json deployment_json(const std::optional<DeploymentRef>& d) {
  if (!d) return nullptr;
  return {{"deployment_id", d->deployment_id},
          {"version", d->version},
          {"manifest_sha256", d->manifest_sha256}};
}

Result<std::optional<DeploymentRef>> read_deployment(const FieldReader& parent, const char* key,
                                                     const std::string& what) {
  if (parent.at(key).is_null()) return std::optional<DeploymentRef>();
  FieldReader r(parent.at(key), what, parent.path_of(key));
  OUTPOST_RETURN_IF_ERROR(r.check_members({"deployment_id", "version", "manifest_sha256"},
                                          {"deployment_id", "version", "manifest_sha256"}));
  DeploymentRef d;
  OUTPOST_ASSIGN_OR_RETURN(d.deployment_id, r.string("deployment_id", 256));
  OUTPOST_ASSIGN_OR_RETURN(d.version, r.integer("version", 0, INT64_MAX));
  OUTPOST_ASSIGN_OR_RETURN(d.manifest_sha256, r.string("manifest_sha256", 128));
  return std::optional<DeploymentRef>(std::move(d));
}

// The file at `path`: nullopt when it does not exist; an error when it cannot be read or does
// not check out.
Result<std::optional<AgentState>> read_journal_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<AgentState>();
    return io_error("journal " + path + ": cannot open: " + errno_text());
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size > static_cast<off_t>(kMaxJournalBytes)) {
    ::close(fd);
    return invalid_model("journal " + path + ": not a regular file of at most 1 MiB");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(done);
  OUTPOST_ASSIGN_OR_RETURN(AgentState s, parse_journal_file(text, "journal " + path));
  return std::optional<AgentState>(std::move(s));
}

Status write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("journal " + path + ": cannot write: " + errno_text());
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::ok();
}

Status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("journal directory " + dir + ": cannot open: " + errno_text());
  const int rc = ::fsync(fd);
  const std::string why = errno_text();
  ::close(fd);
  if (rc != 0) return io_error("journal directory " + dir + ": fsync failed: " + why);
  return Status::ok();
}

}  // namespace

const char* apply_step_name(ApplyStep step) {
  switch (step) {
    case ApplyStep::kFetch:
      return "fetch";
    case ApplyStep::kVerify:
      return "verify";
    case ApplyStep::kStage:
      return "stage";
    case ApplyStep::kValidate:
      return "validate";
    case ApplyStep::kSwitch:
      return "switch";
    case ApplyStep::kProbation:
      return "probation";
  }
  return "fetch";
}

void set_journal_fault_hook_for_testing(JournalFaultHookForTesting hook) {
  fault_hook() = std::move(hook);
}

std::string journal_file_text(const AgentState& state) {
  json body = {{"sequence", state.sequence},
               {"last_accepted_version", state.last_accepted_version},
               {"last_good", deployment_json(state.last_good)},
               {"current", deployment_json(state.current)},
               {"in_progress", nullptr}};
  if (state.in_progress)
    body["in_progress"] = {{"target", deployment_json(state.in_progress->target)},
                           {"step", apply_step_name(state.in_progress->step)}};
  const std::string text = body.dump() + "\n";
  return std::string(kMagic) + " " + blake2b_hex(text) + "\n" + text;
}

Result<AgentState> parse_journal_file(const std::string& text, const std::string& what) {
  if (bundle::ensure_sodium().is_ok() == false) return internal_error("libsodium did not start");
  const size_t header = sizeof kMagic - 1 + 1 + 64 + 1;  // magic, space, hash, newline
  if (text.size() < header || text.compare(0, sizeof kMagic - 1, kMagic) != 0 ||
      text[sizeof kMagic - 1] != ' ' || text[header - 1] != '\n')
    return invalid_model(what + ": not a journal file (torn, or not written by the agent)");
  const std::string body = text.substr(header);
  if (text.compare(sizeof kMagic, 64, blake2b_hex(body)) != 0)
    return invalid_model(what + ": checksum mismatch (torn or corrupt)");
  OUTPOST_ASSIGN_OR_RETURN(const json j, parse_strict_json(body, what));
  FieldReader r(j, what, "");
  OUTPOST_RETURN_IF_ERROR(r.check_members(
      {"sequence", "last_accepted_version", "last_good", "current", "in_progress"},
      {"sequence", "last_accepted_version", "last_good", "current", "in_progress"}));
  AgentState s;
  OUTPOST_ASSIGN_OR_RETURN(const int64_t sequence, r.integer("sequence", 0, INT64_MAX));
  s.sequence = static_cast<uint64_t>(sequence);
  OUTPOST_ASSIGN_OR_RETURN(s.last_accepted_version,
                           r.integer("last_accepted_version", 0, INT64_MAX));
  OUTPOST_ASSIGN_OR_RETURN(s.last_good, read_deployment(r, "last_good", what));
  OUTPOST_ASSIGN_OR_RETURN(s.current, read_deployment(r, "current", what));
  if (!r.at("in_progress").is_null()) {
    FieldReader p(r.at("in_progress"), what, "in_progress");
    OUTPOST_RETURN_IF_ERROR(p.check_members({"target", "step"}, {"target", "step"}));
    InProgress ip;
    OUTPOST_ASSIGN_OR_RETURN(auto target, read_deployment(p, "target", what));
    if (!target) return p.error("target", "expected an object");
    ip.target = *target;
    OUTPOST_ASSIGN_OR_RETURN(const std::string step, p.string("step", 32));
    bool known = false;
    for (ApplyStep st : {ApplyStep::kFetch, ApplyStep::kVerify, ApplyStep::kStage,
                         ApplyStep::kValidate, ApplyStep::kSwitch, ApplyStep::kProbation})
      if (step == apply_step_name(st)) {
        ip.step = st;
        known = true;
      }
    if (!known) return p.error("step", "unknown step");
    s.in_progress = ip;
  }
  return s;
}

Journal::Journal(std::string dir) : dir_(std::move(dir)) {}

std::string Journal::path() const { return dir_ + "/" + kFileName; }

Result<JournalRead> Journal::read() const {
  const std::string current_path = path(), previous_path = path() + ".prev";
  auto current = read_journal_file(current_path);
  JournalRead out;
  if (current.is_ok() && current->has_value()) {
    out.state = **current;
    out.found = true;
    return out;
  }
  auto previous = read_journal_file(previous_path);
  if (previous.is_ok() && previous->has_value()) {
    out.state = **previous;
    out.found = true;
    out.used_previous = true;
    out.note = current.is_ok() ? current_path + " is missing (a write was interrupted)"
                               : current.status().message();
    return out;
  }
  if (current.is_ok() && previous.is_ok()) return out;  // neither exists: a first start
  return invalid_model(
      "journal in " + dir_ + ": no valid copy: " +
      (current.is_ok() ? current_path + " is missing" : current.status().message()) + "; " +
      (previous.is_ok() ? previous_path + " is missing" : previous.status().message()));
}

Result<uint64_t> Journal::write(AgentState state) {
  OUTPOST_RETURN_IF_ERROR(bundle::ensure_sodium());
  const std::string current_path = path(), previous_path = path() + ".prev",
                    temp_path = path() + ".tmp";
  // Only a current file that checks out becomes the previous copy: a corrupt one must not push
  // the good copy out.
  auto current = read_journal_file(current_path);
  const bool keep_current = current.is_ok() && current->has_value();
  uint64_t last = state.sequence;
  if (keep_current) last = std::max(last, (*current)->sequence);
  if (auto prev = read_journal_file(previous_path); prev.is_ok() && prev->has_value())
    last = std::max(last, (*prev)->sequence);
  state.sequence = last + 1;
  const std::string text = journal_file_text(state);

  fault_point(JournalWriteStep::kOpenTemp);
  const int fd =
      ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("journal " + temp_path + ": cannot create: " + errno_text());
  const size_t half = text.size() / 2;
  Status s = write_all(fd, text.data(), half, temp_path);
  if (s.is_ok()) fault_point(JournalWriteStep::kWriteHalf);
  if (s.is_ok()) s = write_all(fd, text.data() + half, text.size() - half, temp_path);
  if (s.is_ok()) fault_point(JournalWriteStep::kWriteAll);
  if (s.is_ok() && ::fsync(fd) != 0)
    s = io_error("journal " + temp_path + ": fsync failed: " + errno_text());
  ::close(fd);
  if (!s.is_ok()) {
    ::unlink(temp_path.c_str());
    return s;
  }
  fault_point(JournalWriteStep::kSyncTemp);
  if (keep_current && ::rename(current_path.c_str(), previous_path.c_str()) != 0)
    return io_error("journal " + current_path + ": cannot keep it as " + previous_path + ": " +
                    errno_text());
  fault_point(JournalWriteStep::kKeepPrevious);
  if (::rename(temp_path.c_str(), current_path.c_str()) != 0)
    return io_error("journal " + temp_path + ": cannot rename it to " + current_path + ": " +
                    errno_text());
  fault_point(JournalWriteStep::kRename);
  OUTPOST_RETURN_IF_ERROR(sync_directory(dir_));
  fault_point(JournalWriteStep::kSyncDirectory);
  return state.sequence;
}

}  // namespace outpost::agent
