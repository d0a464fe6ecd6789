// Where the agent learns what the device should run. Every source hands over signed manifests
// as they arrived, untouched; the agent alone decides whether to accept one
// (agent/signed_manifest.h accept_manifest), so a source needs no trust of its own. The
// embedded default is a local directory; the MQTT source (issue 15: a retained message on
// `outpost/v1/<device>/desired`) implements the same interface.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::agentd {

struct ManifestCandidate {
  std::string origin;       // for messages: the file, the topic
  std::string signed_text;  // the envelope as received
  // Set when the source could not hand the manifest over whole (a file larger than any signed
  // manifest may be): the agent reports it as refused.
  std::string refusal;
};

class DesiredStateSource {
 public:
  virtual ~DesiredStateSource() = default;
  // "directory '/etc/outpost/desired'", for messages.
  virtual std::string describe() const = 0;
  // The manifests that appeared or changed since the last call (all of them on the first).
  // An error is the source's own (the directory vanished): the agent reports it and keeps
  // running what it runs.
  virtual Result<std::vector<ManifestCandidate>> poll() = 0;
};

// A directory of signed manifests: every regular `*.json` file directly in it (dot files and
// `*.tmp` are skipped, so that a writer can create a file under a temporary name and rename
// it into place). A file is handed over again when its content changes; one larger than a
// signed manifest may be is not read, and handed over with its refusal.
class DirectorySource : public DesiredStateSource {
 public:
  explicit DirectorySource(std::string dir);
  std::string describe() const override;
  Result<std::vector<ManifestCandidate>> poll() override;

 private:
  std::string dir_;
  std::map<std::string, std::string> seen_;  // file name -> hash of the content handed over
};

}  // namespace outpost::agentd
