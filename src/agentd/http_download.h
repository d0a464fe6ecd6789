// One try at downloading an http:// or https:// artifact into its partial file (internal to the
// fetcher, which retries): resumes after the bytes the file holds with a Range request, starts
// over when the server ignores the range, follows up to kMaxRedirects redirects, and stops at
// the first byte past the manifest's size.
#pragma once

#include <cstdint>
#include <string>

#include "agent/manifest.h"
#include "agentd/fetcher.h"
#include "agentd/partial_file.h"
#include "outpost/status.h"

namespace outpost::agentd {

constexpr int kMaxRedirects = 5;

struct HttpAttempt {
  Status status;              // ok: the partial file holds the whole body
  bool retry = false;         // the failure may pass with another try (connection, 5xx, 429)
  uint64_t bytes = 0;         // written into the partial file by this try
  uint64_t resumed_from = 0;  // > 0: the server continued after this many kept bytes (206)
};

// kUsage unless `url` is http:// or https:// with a host, an optional port from 1 to 65535, no
// user name or password, and no space or control character.
Status check_http_url(const std::string& url);

HttpAttempt http_download(const agent::ArtifactRef& ref, PartialFile& file,
                          const FetchOptions& options);

}  // namespace outpost::agentd
