#include "agentd/http_download.h"

#include <httplib.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace outpost::agentd {
namespace {

constexpr std::chrono::milliseconds kCancelPoll{20};

Status network_error(std::string m) { return {StatusCode::kNetwork, std::move(m)}; }

bool parse_u64(std::string_view text, uint64_t& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}

// "https://host:port" and "/path?query" (what httplib's Client and its Get take apart).
struct UrlParts {
  std::string origin;
  std::string target;
};

UrlParts split_url(const std::string& url) {
  const size_t start = url.find("://") + 3;
  const size_t slash = url.find_first_of("/?#", start);
  UrlParts parts{url.substr(0, slash), slash == std::string::npos ? "/" : url.substr(slash)};
  parts.target = parts.target.substr(0, parts.target.find('#'));
  if (parts.target.empty() || parts.target[0] != '/') parts.target = "/" + parts.target;
  return parts;
}

// A redirect's Location, absolute or relative to the URL that answered it.
std::string resolve_location(const std::string& url, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  if (location.starts_with("//")) return url.substr(0, url.find("://") + 1) + location;
  const UrlParts parts = split_url(url);
  if (location.starts_with("/")) return parts.origin + location;
  const std::string path = parts.target.substr(0, parts.target.find('?'));
  return parts.origin + path.substr(0, path.rfind('/') + 1) + location;
}

// Content-Range "bytes FIRST-LAST/TOTAL" (TOTAL may be "*").
bool parse_content_range(const std::string& text, uint64_t& first, std::string& total) {
  if (!text.starts_with("bytes ")) return false;
  const size_t dash = text.find('-');
  const size_t slash = text.find('/');
  if (dash == std::string::npos || slash == std::string::npos || slash < dash) return false;
  total = text.substr(slash + 1);
  return parse_u64(std::string_view(text).substr(6, dash - 6), first);
}

// OpenSSL's X509_V_ERR_* codes an operator meets most (from its public x509_vfy.h), in words.
std::string verify_error_text(long code) {
  switch (code) {
    case 0:  // the chain verified; httplib's own check of the host name failed
      return "it does not name the host";
    case 9:
      return "not yet valid";
    case 10:
      return "expired";
    case 18:
      return "self-signed";
    case 19:
      return "self-signed certificate in the chain";
    case 2:
    case 20:
      return "issuer not trusted";
    case 21:
      return "cannot verify the leaf signature";
    case 23:
      return "revoked";
    case 62:
      return "host name mismatch";
    default:
      return "certificate verify error " + std::to_string(code);
  }
}

std::string describe(httplib::Error error, const FetchOptions& options, long verify_result) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect (refused, or no route to the host)";
    case httplib::Error::ConnectionTimeout:
      return "no connection within " + seconds_text(options.connect_timeout_s);
    case httplib::Error::Read:
      return "the connection broke, or sent nothing for " + std::to_string(options.read_timeout_s) +
             " s";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted (" + verify_error_text(verify_result) +
             "; " +
             (options.ca_file.empty() ? "no fetch.ca_file is set: the system's CAs were used"
                                      : "fetch.ca_file '" + options.ca_file + "' was used") +
             ")";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA certificates '" + options.ca_file + "'";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed";
    default:
      return httplib::to_string(error);
  }
}

// A certificate that is not trusted now will not be on the next try either.
bool retryable(httplib::Error error) {
  return error != httplib::Error::SSLServerVerification && error != httplib::Error::SSLLoadingCerts;
}

// One request: the response handler decides what the body means for the partial file
// (continue it, start it over, or nothing), the receiver writes it.
class Request {
 public:
  Request(const agent::ArtifactRef& ref, PartialFile& file, const FetchOptions& options,
          std::string url)
      : ref_(ref), file_(file), options_(options), url_(std::move(url)) {}

  HttpAttempt run();
  const std::string& redirect() const { return redirect_; }

 private:
  bool on_response(const httplib::Response& r);
  bool on_body(const char* data, size_t n);
  bool start_over(const httplib::Response& r);
  bool resume(const httplib::Response& r);
  bool range_refused();
  bool fail(Status status, bool retry);
  bool cancelled() const { return cancelled_; }
  httplib::Error get_cancellable(httplib::Client& client, const std::string& target,
                                 const httplib::Headers& headers);
  HttpAttempt outcome(httplib::Error error, long verify_result);

  const agent::ArtifactRef& ref_;
  PartialFile& file_;
  const FetchOptions& options_;
  std::string url_;
  std::string redirect_;
  Status failure_;
  bool retry_ = false;
  bool complete_ = false;
  std::atomic<bool> cancelled_{false};  // set by the caller's thread, read by the request's
  uint64_t bytes_ = 0;
  uint64_t resumed_from_ = 0;
};

void set_timeout(double seconds, const std::function<void(time_t, time_t)>& set) {
  const double whole = std::floor(seconds);
  set(static_cast<time_t>(whole), static_cast<time_t>((seconds - whole) * 1e6));
}

HttpAttempt Request::run() {
  const UrlParts parts = split_url(url_);
  httplib::Client client(parts.origin);
  if (!client.is_valid()) return {usage_error("fetching '" + url_ + "': not a valid URL")};
  set_timeout(options_.connect_timeout_s,
              [&](time_t s, time_t us) { client.set_connection_timeout(s, us); });
  set_timeout(options_.read_timeout_s,
              [&](time_t s, time_t us) { client.set_read_timeout(s, us); });
  if (!options_.ca_file.empty()) client.set_ca_cert_path(options_.ca_file);
  // Redirects are followed here, a bounded number of times; the bytes are the file's own.
  client.set_follow_location(false);
  client.set_decompress(false);
  httplib::Headers headers{{"Accept-Encoding", "identity"},
                           {"User-Agent", "outpost-agent/" OUTPOST_VERSION}};
  if (file_.size() > 0) headers.emplace("Range", "bytes=" + std::to_string(file_.size()) + "-");
  const httplib::Error error = get_cancellable(client, parts.target, headers);
  return outcome(error, client.get_openssl_verify_result());
}

// The request runs in a thread of its own, so that `cancelled` (polled in the caller's thread,
// which owns what it reads: the agent polls its manifest source there) is honoured within
// kCancelPoll even while the server sends nothing; a cancel shuts the connection down.
httplib::Error Request::get_cancellable(httplib::Client& client, const std::string& target,
                                        const httplib::Headers& headers) {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  httplib::Error error = httplib::Error::Unknown;
  std::thread worker([&] {
    const httplib::Result result = client.Get(
        target, headers, [this](const httplib::Response& r) { return on_response(r); },
        [this](const char* data, size_t n) { return on_body(data, n); });
    std::lock_guard<std::mutex> lock(mutex);
    error = result.error();
    done = true;
    finished.notify_one();
  });
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (finished.wait_for(lock, kCancelPoll, [&] { return done; })) break;
    }
    if (options_.cancelled && options_.cancelled()) {
      cancelled_ = true;
      client.stop();  // the request's reads and writes fail at once
      break;
    }
  }
  worker.join();
  return error;
}

bool Request::fail(Status status, bool retry) {
  failure_ = std::move(status);
  retry_ = retry;
  return false;
}

bool Request::on_response(const httplib::Response& r) {
  if (cancelled()) return fail(usage_error("fetching '" + url_ + "': cancelled"), false);
  if (r.status == 200) return start_over(r);
  if (r.status == 206) return resume(r);
  if (r.status == 416) return range_refused();
  if (r.status >= 300 && r.status < 400 && r.has_header("Location")) {
    redirect_ = r.get_header_value("Location");
    return false;
  }
  const bool retry = r.status >= 500 || r.status == 408 || r.status == 429;
  return fail(
      network_error("fetching '" + url_ + "': HTTP " + std::to_string(r.status) + " " + r.reason +
                    (retry ? "" : " (not retried: another try would get the same)")),
      retry);
}

// 200: the whole body, from its first byte (the server ignored a Range, or none was sent).
bool Request::start_over(const httplib::Response& r) {
  if (file_.size() > 0) {
    Status s = file_.truncate();
    if (!s.is_ok()) return fail(s, false);
  }
  uint64_t length = 0;
  if (!r.has_header("Content-Encoding") &&
      parse_u64(r.get_header_value("Content-Length"), length) &&
      length != static_cast<uint64_t>(ref_.size))
    return fail(
        invalid_model("fetching '" + url_ + "': the server sends " + std::to_string(length) +
                      " bytes where the manifest says " + std::to_string(ref_.size) + "; refused"),
        false);
  return true;
}

// 206: the rest of the body, which must start where the partial file ends.
bool Request::resume(const httplib::Response& r) {
  uint64_t first = 0;
  std::string total;
  const std::string range = r.get_header_value("Content-Range");
  if (!parse_content_range(range, first, total) || first != file_.size() ||
      (total != "*" && total != std::to_string(ref_.size))) {
    Status s = file_.truncate();
    if (!s.is_ok()) return fail(s, false);
    return fail(
        network_error("fetching '" + url_ + "': asked for the bytes from " + std::to_string(first) +
                      ", the server sent Content-Range '" + range + "'; starting over"),
        true);
  }
  resumed_from_ = first;
  return true;
}

// 416: nothing at or after the partial file's end.
bool Request::range_refused() {
  if (file_.size() == static_cast<uint64_t>(ref_.size)) {
    complete_ = true;
    return false;
  }
  const uint64_t kept = file_.size();
  Status s = file_.truncate();
  if (!s.is_ok()) return fail(s, false);
  return fail(network_error("fetching '" + url_ + "': the server has nothing after the " +
                            std::to_string(kept) +
                            " bytes kept from an earlier try (HTTP 416); "
                            "starting over"),
              true);
}

bool Request::on_body(const char* data, size_t n) {
  if (cancelled()) return fail(usage_error("fetching '" + url_ + "': cancelled"), false);
  if (n > static_cast<uint64_t>(ref_.size) - file_.size())
    return fail(invalid_model("fetching '" + url_ + "': the body is longer than the manifest's " +
                              std::to_string(ref_.size) + " bytes; refused"),
                false);
  Status s = file_.append(data, n);
  if (!s.is_ok()) return fail(s, false);
  bytes_ += n;
  return true;
}

HttpAttempt Request::outcome(httplib::Error error, long verify_result) {
  HttpAttempt a{Status::ok(), false, bytes_, resumed_from_};
  if (cancelled_) {
    a.status = usage_error("fetching '" + url_ + "': cancelled");
  } else if (!failure_.is_ok()) {
    a.status = failure_;
    a.retry = retry_;
  } else if (complete_ || !redirect_.empty()) {
    // the whole body was there already / the caller follows the redirect
  } else if (error != httplib::Error::Success) {
    a.retry = retryable(error);
    a.status =
        network_error("fetching '" + url_ + "': " + describe(error, options_, verify_result) +
                      (a.retry ? "" : " (not retried: another try would fail the same)"));
  } else if (file_.size() != static_cast<uint64_t>(ref_.size)) {
    a.status =
        network_error("fetching '" + url_ + "': the body ended after " +
                      std::to_string(file_.size()) + " of " + std::to_string(ref_.size) + " bytes");
    a.retry = true;
  }
  return a;
}

// Host and port of an http(s) URL: "[v6]" or a host name or IPv4 address, then ":port".
Status check_authority(const std::string& url, const std::string& authority) {
  const auto bad = [&](const std::string& why) { return usage_error("'" + url + "': " + why); };
  if (authority.find('@') != std::string::npos)
    return bad("user names and passwords in URLs are not supported");
  const size_t close = authority.starts_with("[") ? authority.find(']') : 0;
  if (close == std::string::npos) return bad("an IPv6 address without its ']'");
  const size_t colon = authority.find(':', close);
  const std::string host = authority.substr(0, colon);
  uint64_t port = 0;
  if (colon != std::string::npos &&
      (!parse_u64(std::string_view(authority).substr(colon + 1), port) || port == 0 ||
       port > 65535))
    return bad("the port must be a number from 1 to 65535");
  if (host.empty()) return bad("no host");
  const char* allowed = close > 0 ? "[]0123456789abcdefABCDEF:."
                                  : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789.-_";
  if (host.find_first_not_of(allowed) != std::string::npos)
    return bad("the host '" + host + "' holds characters a host cannot");
  return Status::ok();
}

}  // namespace

Status check_http_url(const std::string& url) {
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return usage_error("'" + url + "': not an http:// or https:// URL");
  for (const char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return usage_error("'" + url + "': spaces and control characters must be percent-encoded");
  const std::string origin = split_url(url).origin;
  return check_authority(url, origin.substr(origin.find("://") + 3));
}

HttpAttempt http_download(const agent::ArtifactRef& ref, PartialFile& file,
                          const FetchOptions& options) {
  std::string url = ref.url;
  for (int hops = 0;; ++hops) {
    Request request(ref, file, options, url);
    HttpAttempt attempt = request.run();
    if (request.redirect().empty() || !attempt.status.is_ok()) return attempt;
    if (hops == kMaxRedirects)
      return {network_error("fetching '" + ref.url + "': more than " +
                            std::to_string(kMaxRedirects) + " redirects")};
    url = resolve_location(url, request.redirect());
    if (Status s = check_http_url(url); !s.is_ok())
      return {network_error("fetching '" + ref.url + "': redirected to " + s.message())};
  }
}

}  // namespace outpost::agentd
