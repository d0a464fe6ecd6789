// The files of a zip archive that ends a buffer. TFLite models with metadata carry their
// associated files (labels.txt, vocabularies) so: the flatbuffer first, a zip after it, which
// TFLite itself never reads. Only the central directory is trusted for sizes, every offset is
// checked against the buffer, and stored (uncompressed) entries are read in place; the metadata
// tools write only those.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;            // 0: stored; any other (8: deflated) is listed but not read
  const uint8_t* data = nullptr;  // a stored entry's bytes, inside the buffer; null otherwise
  size_t size = 0;                // its size once uncompressed
};

// The entries of the archive that ends `data`, in its directory's order; none when the buffer
// does not end with one. kInvalidModel naming `source`, the entry and what is wrong when the
// archive is truncated or corrupt; entries point into `data`.
Result<std::vector<ZipEntry>> read_trailing_zip(const uint8_t* data, size_t size, const std::string& source);

}  // namespace outpost
