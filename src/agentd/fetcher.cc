#include "agentd/fetcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "agentd/http_download.h"
#include "agentd/partial_file.h"

namespace outpost::agentd {
namespace {

constexpr size_t kCopyChunk = 64 * 1024;
constexpr double kSleepSlice_s = 0.02;  // how quickly a back-off notices `cancelled`

bool cancelled(const FetchOptions& options) { return options.cancelled && options.cancelled(); }

Status cancelled_error(const agent::ArtifactRef& ref) {
  return usage_error("fetching '" + ref.url + "': cancelled");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The absolute path of a file:// URL ("file:///p" or "file://localhost/p"), percent-decoded.
Result<std::string> file_url_path(const std::string& url) {
  std::string rest = url.substr(7);
  if (rest.starts_with("localhost/")) rest = rest.substr(9);
  if (!rest.starts_with("/"))
    return usage_error("'" + url + "': a file:// URL names an absolute path (file:///PATH)");
  std::string path;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] != '%') {
      path += rest[i];
      continue;
    }
    const int hi = i + 2 < rest.size() ? hex_value(rest[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(rest[i + 2]) : -1;
    if (lo < 0) return usage_error("'" + url + "': a '%' not followed by two hex digits");
    path += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (path.find('\0') != std::string::npos)
    return usage_error("'" + url + "': the path holds a NUL byte");
  return path;
}

// Copies the file a file:// URL names into the partial file, refusing one longer than the
// manifest's size (read at most one byte past it).
Status copy_file(const agent::ArtifactRef& ref, PartialFile& file, const FetchOptions& options,
                 FetchReport& report) {
  OUTPOST_ASSIGN_OR_RETURN(const std::string path, file_url_path(ref.url));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("fetching '" + ref.url + "': " + std::strerror(errno));
  const auto too_long = [&] {
    return invalid_model("fetching '" + ref.url + "': the file is longer than the manifest's " +
                         std::to_string(ref.size) + " bytes; refused");
  };
  struct stat st {};
  Status s = file.truncate();
  if (s.is_ok() && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > ref.size)
    s = too_long();
  std::string buffer(kCopyChunk, '\0');
  while (s.is_ok()) {
    if (cancelled(options)) {
      s = cancelled_error(ref);
      break;
    }
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s = io_error("fetching '" + ref.url + "': " + std::strerror(errno));
    if (n <= 0) break;
    if (static_cast<uint64_t>(n) > static_cast<uint64_t>(ref.size) - file.size()) s = too_long();
    if (s.is_ok()) s = file.append(buffer.data(), static_cast<size_t>(n));
    if (s.is_ok()) report.bytes_fetched += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return s;
}

void sleep_unless_cancelled(double seconds, const FetchOptions& options) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!cancelled(options) && std::chrono::steady_clock::now() < until) {
    const auto left = std::chrono::duration<double>(until - std::chrono::steady_clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::duration<double>(kSleepSlice_s)));
  }
}

// Tries the download up to options.max_attempts times, with back-off between tries.
Status download_http(const agent::ArtifactRef& ref, PartialFile& file, const FetchOptions& options,
                     FetchReport& report) {
  double delay = options.backoff_min_s;
  Status last;
  for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
    if (cancelled(options)) return cancelled_error(ref);
    OUTPOST_RETURN_IF_ERROR(file.reserve(static_cast<uint64_t>(ref.size)));
    report.attempts = attempt;
    const HttpAttempt a = http_download(ref, file, options);
    report.bytes_fetched += a.bytes;
    if (a.resumed_from > 0) report.resumed_from = a.resumed_from;
    if (a.status.is_ok() || !a.retry) return a.status;
    last = a.status;
    if (attempt < options.max_attempts) {
      sleep_unless_cancelled(delay, options);
      delay = std::min(delay * 2, options.backoff_max_s);
    }
  }
  return {StatusCode::kNetwork,
          last.message() + " (gave up after " + std::to_string(report.attempts) + " attempts)"};
}

Status check_ref(const agent::ArtifactRef& ref) {
  if (!is_sha256_hex(ref.sha256))
    return usage_error("fetching '" + ref.url + "': the SHA-256 '" + ref.sha256 +
                       "' is not 64 lowercase hex digits");
  if (ref.size < 0) return usage_error("fetching '" + ref.url + "': a negative size");
  if (ref.url.find('\0') != std::string::npos)
    return usage_error("fetching a URL that holds a NUL byte");
  if (ref.url.starts_with("file://")) {
    auto path = file_url_path(ref.url);
    return path.is_ok() ? Status::ok() : path.status();
  }
  if (ref.url.starts_with("http://") || ref.url.starts_with("https://"))
    return check_http_url(ref.url).with_context("fetching");
  return usage_error("fetching '" + ref.url +
                     "': only file://, http:// and https:// URLs are fetched");
}

// Downloads into the partial file (kept when the download breaks or is cancelled, for a
// resume; deleted when its bytes are known wrong).
Status download(const agent::ArtifactRef& ref, const ContentStore& store,
                const FetchOptions& options, FetchReport& report) {
  OUTPOST_ASSIGN_OR_RETURN(PartialFile file, PartialFile::open(store, ref.sha256));
  const uint64_t size = static_cast<uint64_t>(ref.size);
  if (file.size() > size) OUTPOST_RETURN_IF_ERROR(file.truncate());
  Status s = Status::ok();
  if (ref.url.starts_with("file://")) {
    report.attempts = 1;
    OUTPOST_RETURN_IF_ERROR(file.reserve(size));
    s = copy_file(ref, file, options, report);
  } else if (file.size() < size) {
    s = download_http(ref, file, options, report);
  }
  if (s.code() == StatusCode::kInvalidModel) ::unlink(store.partial_path(ref.sha256).c_str());
  if (s.is_ok()) s = file.close();
  return s;
}

}  // namespace

Result<FetchReport> fetch_artifact(const agent::ArtifactRef& ref, const ContentStore& store,
                                   const FetchOptions& options) {
  OUTPOST_RETURN_IF_ERROR(check_ref(ref));
  FetchReport report;
  if (store.has(ref.sha256)) {
    report.already_present = true;
    return report;
  }
  OUTPOST_RETURN_IF_ERROR(store.init());
  OUTPOST_RETURN_IF_ERROR(download(ref, store, options, report));
  Status s = store.commit_partial(ref.sha256, static_cast<uint64_t>(ref.size));
  if (s.code() == StatusCode::kInvalidModel && !ref.url.starts_with("file://") &&
      report.bytes_fetched < static_cast<uint64_t>(ref.size)) {
    // Bytes kept from an earlier run were wrong (the partial file is gone now): fetch them all
    // again, once.
    OUTPOST_RETURN_IF_ERROR(download(ref, store, options, report));
    s = store.commit_partial(ref.sha256, static_cast<uint64_t>(ref.size));
  }
  OUTPOST_RETURN_IF_ERROR(s);
  return report;
}

}  // namespace outpost::agentd
