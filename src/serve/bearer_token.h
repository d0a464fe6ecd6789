// Bearer-token authentication for the server: the token comes from a file (so that it is not
// in the process list), and requests carry it as "Authorization: Bearer <token>".
#pragma once

#include <string>
#include <string_view>

#include "outpost/status.h"

namespace outpost::serve {

// The token in `path`: its first line, surrounding whitespace removed. kIoError naming the
// file when it cannot be read; kUsage when it is empty.
Result<std::string> read_token_file(const std::string& path);

// Whether an Authorization header value carries `token`. The comparison takes the same time
// whichever byte differs, so that timing does not reveal how much of a guess was right.
bool authorization_matches(std::string_view header, std::string_view token);

}  // namespace outpost::serve
