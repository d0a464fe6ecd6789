// Fetching an artifact a manifest names (agent/manifest.h ArtifactRef) into the content store:
// `file:///ABSOLUTE/PATH`, `http://` and `https://` URLs. An interrupted HTTP download resumes
// where it stopped with a Range request (from the partial file, after a restart too); failures
// are retried a bounded number of times with exponential back-off; a body longer than the
// manifest's size is cut off and refused; the bytes are checked against the manifest's SHA-256
// before they take their name in the store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agent/manifest.h"
#include "agentd/content_store.h"
#include "outpost/status.h"

namespace outpost::agentd {

struct FetchOptions {
  int max_attempts = 5;        // tries per artifact before giving up
  double backoff_min_s = 1;    // delay after the first failure, doubled after each
  double backoff_max_s = 60;
  double connect_timeout_s = 10;
  double read_timeout_s = 30;  // no byte for this long: the attempt fails (and is resumed)
  std::string ca_file;         // https: PEM CA bundle; empty: the system's
  // Polled in the calling thread, every 20 ms while an attempt runs (a silent server included)
  // and during back-off: true stops the fetch (kUsage "cancelled"),
  // keeping the partial file for a later resume. The agent cancels when a newer manifest
  // supersedes the one being applied.
  std::function<bool()> cancelled;
};

struct FetchReport {
  bool already_present = false;  // in the store before: nothing was fetched
  uint64_t bytes_fetched = 0;    // over all attempts of this call
  uint64_t resumed_from = 0;     // > 0: the last try continued after this many bytes kept in
                                 // the partial file (by an earlier try or run), with a Range
  int attempts = 0;              // 0: a complete partial file was committed with no request
};

// Fetches `ref` into `store` unless it is there. Errors: kNetwork naming the URL and the last
// failure once the attempts are spent (connection refused, HTTP status, timeout); kIoError
// naming the store when a write fails (a full disk or the store's quota: not retried);
// kInvalidModel when the size or SHA-256 differ from the manifest's (not retried: the same
// bytes would come again); kIoError naming the path when a file:// source cannot be read;
// kUsage for a URL scheme other than file, http and https, a file:// URL that is not an
// absolute path, a NUL byte, a `sha256` that is not 64 lowercase hex digits, or when cancelled.
Result<FetchReport> fetch_artifact(const agent::ArtifactRef& ref, const ContentStore& store,
                                   const FetchOptions& options = {});

}  // namespace outpost::agentd
