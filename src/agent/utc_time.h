// RFC 3339 timestamps in UTC ("2027-01-31T12:00:00Z"), as manifests write their expiry. Only
// the UTC form ("Z") is taken: an offset would let two readers of one signed manifest disagree
// about when it expires if either got the arithmetic wrong, and devices keep UTC anyway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace outpost::agent {

// Seconds since 1970-01-01T00:00:00Z of "YYYY-MM-DDTHH:MM:SS[.fraction]Z" ('T' and 'Z' in
// either case; the fraction is dropped); nullopt for anything else, including impossible dates
// (February 30th) and leap seconds.
std::optional<int64_t> parse_utc_time(const std::string& text);

// "YYYY-MM-DDTHH:MM:SSZ" of seconds since the epoch (years 0 to 9999).
std::string format_utc_time(int64_t unix_seconds);

// The system clock, in seconds since the epoch.
int64_t unix_now();

}  // namespace outpost::agent
