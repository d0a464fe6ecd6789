// Status and Result: how every fallible function in Outpost reports failure.
// The numeric codes are the CLI exit codes (docs/cli.md); never reuse one.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace outpost {

enum class StatusCode : int {
  kOk = 0,
  kInternal = 1,
  kUsage = 2,
  kIoError = 3,          // input file missing or unreadable
  kInvalidModel = 4,     // model or bundle invalid, truncated or corrupt
  kUnsupported = 5,      // unsupported op or dtype
  kShapeMismatch = 6,    // shape or type mismatch
  kUntrusted = 7,        // publisher not trusted
  kBadSignature = 8,     // signature does not verify
  kDecryptFailed = 9,    // decryption failed or wrong device key
  kGoldenMismatch = 10,  // golden-vector mismatch
  kTooNew = 11,          // format or minimum version too new
  kNetwork = 12,         // network or broker failure
  kTooOld = 13,          // bundle older than required (replay)
  kRolloutAborted = 14,  // a fleet rollout stopped: its failure rate passed the bound
};

// Short stable name of a code, e.g. "invalid_model", for --json output.
const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  int exit_code() const { return static_cast<int>(code_); }

  // Returns a copy whose message is "context: message", to add where the error happened.
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status usage_error(std::string m) { return {StatusCode::kUsage, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status invalid_model(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status shape_mismatch(std::string m) { return {StatusCode::kShapeMismatch, std::move(m)}; }

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.is_ok()) status_ = internal_error("Result constructed from an ok Status");
  }

  bool is_ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace outpost

#define OUTPOST_CONCAT_INNER(a, b) a##b
#define OUTPOST_CONCAT(a, b) OUTPOST_CONCAT_INNER(a, b)

#define OUTPOST_RETURN_IF_ERROR(expr)                    \
  do {                                                   \
    ::outpost::Status outpost_status_ = (expr);          \
    if (!outpost_status_.is_ok()) return outpost_status_; \
  } while (0)

#define OUTPOST_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.is_ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#define OUTPOST_ASSIGN_OR_RETURN(lhs, expr) \
  OUTPOST_ASSIGN_OR_RETURN_IMPL(OUTPOST_CONCAT(outpost_result_, __LINE__), lhs, expr)
