// The agent's crash-safe state: which deployment last proved good, which one runs, and which
// one is being applied and how far it got. The agent reads it at start-up, before any network,
// to bring back the old or the new deployment after a crash or power cut, never nothing.
//
// One small file, `DIR/state.journal`, with the previous good copy beside it
// (`state.journal.prev`). A write goes to `state.journal.tmp`, is fsynced, the current file
// becomes `.prev` and the new one takes its name by rename(2), then the directory is fsynced.
// Each file carries a BLAKE2b-256 checksum of its body: a torn or corrupt file is detected and
// the other copy used, so a reader sees either the state before a write or the one after it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "outpost/status.h"

namespace outpost::agent {

// One accepted manifest: enough to find it again in the agent's store and to report it.
struct DeploymentRef {
  std::string deployment_id;
  int64_t version = 0;
  std::string manifest_sha256;  // of the signed manifest's file, as the store names it

  bool operator==(const DeploymentRef& o) const {
    return deployment_id == o.deployment_id && version == o.version &&
           manifest_sha256 == o.manifest_sha256;
  }
};

// The steps of an apply, in order (docs/manifest.md, "Applying").
enum class ApplyStep { kFetch, kVerify, kStage, kValidate, kSwitch, kProbation };
const char* apply_step_name(ApplyStep step);

struct InProgress {
  DeploymentRef target;
  ApplyStep step = ApplyStep::kFetch;
  bool operator==(const InProgress& o) const { return target == o.target && step == o.step; }
};

struct AgentState {
  uint64_t sequence = 0;              // set by Journal::write: one more than the last written
  int64_t last_accepted_version = 0;  // what accept_manifest compares with (anti-rollback)
  std::optional<DeploymentRef> last_good;
  std::optional<DeploymentRef> current;
  std::optional<InProgress> in_progress;

  bool operator==(const AgentState& o) const {
    return sequence == o.sequence && last_accepted_version == o.last_accepted_version &&
           last_good == o.last_good && current == o.current && in_progress == o.in_progress;
  }
};

struct JournalRead {
  AgentState state;
  bool found = false;          // false: no journal yet (a first start), state is empty
  bool used_previous = false;  // the current file was missing, torn or corrupt
  std::string note;            // why the previous copy was used, for the agent to report
};

// The steps of one write, where a test may stop the process (below). Numbered from 1.
enum class JournalWriteStep {
  kOpenTemp = 1,   // before the temporary file is created
  kWriteHalf,      // half the bytes are written
  kWriteAll,       // all the bytes are written, not yet synced
  kSyncTemp,       // the temporary file is fsynced
  kKeepPrevious,   // the current file has become .prev; no current file
  kRename,         // the temporary file has taken the current name
  kSyncDirectory,  // the directory is fsynced: the write is durable
};
constexpr int kJournalWriteSteps = 7;

class Journal {
 public:
  // The directory must exist; it holds only the journal's files.
  explicit Journal(std::string dir);

  // The state: the current file if it checks out, else the previous copy (used_previous),
  // else an empty state when neither exists. Both present and both invalid is kInvalidModel:
  // the agent must not guess.
  Result<JournalRead> read() const;

  // Writes `state` with the next sequence number (returned), durably: when this returns ok the
  // new state survives a crash; when the process dies inside it, read() returns this state or
  // the one before.
  Result<uint64_t> write(AgentState state);

  const std::string& dir() const { return dir_; }
  std::string path() const;

 private:
  std::string dir_;
};

// TEST ONLY: called at each step of every journal write in this process, to stop it there
// (e.g. raise(SIGKILL)). The environment variable OUTPOST_TEST_JOURNAL_KILL_AT_STEP=N does the
// same for a whole process (the agent's crash tests): SIGKILL at step N of its writes.
using JournalFaultHookForTesting = std::function<void(JournalWriteStep step)>;
void set_journal_fault_hook_for_testing(JournalFaultHookForTesting hook);

// The text of a journal file for `state`, and back (exposed for the corruption tests).
std::string journal_file_text(const AgentState& state);
Result<AgentState> parse_journal_file(const std::string& text, const std::string& what);

}  // namespace outpost::agent
