#include "agentd/http_download.h"

#include <httplib.h>

#include <charconv>
#include <cmath>

namespace outpost::agentd {
namespace {

Status network_error(std::string m) { return {StatusCode::kNetwork, std::move(m)}; }

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

bool parse_u64(std::string_view text, uint64_t& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
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

std::string describe(httplib::Error error, const FetchOptions& options, long verify_result) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect (refused, or no route to the host)";
    case httplib::Error::ConnectionTimeout:
      return "no connection within " + std::to_string(options.connect_timeout_s) + " s";
    case httplib::Error::Read:
      return "the connection broke, or sent nothing for " + std::to_string(options.read_timeout_s) +
             " s";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted (certificate verify error " +
             std::to_string(verify_result) + "; " +
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
  bool cancelled() const { return options_.cancelled && options_.cancelled(); }
  HttpAttempt outcome(const httplib::Result& result, long verify_result);

  const agent::ArtifactRef& ref_;
  PartialFile& file_;
  const FetchOptions& options_;
  std::string url_;
  std::string redirect_;
  Status failure_;
  bool retry_ = false;
  bool complete_ = false;
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
  httplib::Headers headers{{"Accept-Encoding", "identity"}};
  if (file_.size() > 0) headers.emplace("Range", "bytes=" + std::to_string(file_.size()) + "-");
  const httplib::Result result = client.Get(
      parts.target, headers, [this](const httplib::Response& r) { return on_response(r); },
      [this](const char* data, size_t n) { return on_body(data, n); });
  return outcome(result, client.get_openssl_verify_result());
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

HttpAttempt Request::outcome(const httplib::Result& result, long verify_result) {
  HttpAttempt a{Status::ok(), false, bytes_, resumed_from_};
  if (!failure_.is_ok()) {
    a.status = failure_;
    a.retry = retry_;
  } else if (complete_ || !redirect_.empty()) {
    // the whole body was there already / the caller follows the redirect
  } else if (result.error() != httplib::Error::Success) {
    a.retry = retryable(result.error());
    a.status = network_error("fetching '" + url_ +
                             "': " + describe(result.error(), options_, verify_result) +
                             (a.retry ? "" : " (not retried: another try would fail the same)"));
  } else if (file_.size() != static_cast<uint64_t>(ref_.size)) {
    a.status =
        network_error("fetching '" + url_ + "': the body ended after " +
                      std::to_string(file_.size()) + " of " + std::to_string(ref_.size) + " bytes");
    a.retry = true;
  }
  return a;
}

}  // namespace

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
    if (!url.starts_with("http://") && !url.starts_with("https://"))
      return {network_error("fetching '" + ref.url + "': redirected to '" + url +
                            "', which is not an http:// or https:// URL")};
  }
}

}  // namespace outpost::agentd
