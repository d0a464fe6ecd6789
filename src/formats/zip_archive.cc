#include "formats/zip_archive.h"

#include <algorithm>

namespace outpost {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;  // "PK\5\6"
constexpr uint32_t kDirectoryEntry = 0x02014b50;  // "PK\1\2"
constexpr uint32_t kLocalHeader = 0x04034b50;     // "PK\3\4"
constexpr size_t kEndSize = 22;                   // the end record without its comment
constexpr size_t kEntrySize = 46;                 // a directory entry without its name and extras
constexpr size_t kLocalSize = 30;                 // a local header without its name and extras

uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t u32(const uint8_t* p) { return u16(p) | static_cast<uint32_t>(u16(p + 2)) << 16; }

// The end-of-central-directory record: the last one whose comment runs exactly to the end.
// Its comment may hold up to 65535 bytes, so the search goes no further back.
const uint8_t* find_end_record(const uint8_t* data, size_t size) {
  if (size < kEndSize) return nullptr;
  const size_t lowest = size - kEndSize - std::min<size_t>(size - kEndSize, 0xffff);
  for (size_t at = size - kEndSize + 1; at-- > lowest;) {
    const uint8_t* p = data + at;
    if (u32(p) == kEndOfDirectory && at + kEndSize + u16(p + 20) == size) return p;
  }
  return nullptr;
}

}  // namespace

Result<std::vector<ZipEntry>> read_trailing_zip(const uint8_t* data, size_t size, const std::string& source) {
  std::vector<ZipEntry> entries;
  const uint8_t* end = find_end_record(data, size);
  if (!end) return entries;
  const std::string where = source + ": the zip archive appended to the model";
  const size_t end_at = static_cast<size_t>(end - data);
  const uint16_t count = u16(end + 10);
  const uint32_t directory_size = u32(end + 12);
  const uint32_t directory_offset = u32(end + 16);
  if (u16(end + 4) != 0 || u16(end + 6) != 0 || u16(end + 8) != count)
    return invalid_model(where + " spans several disks");
  if (count == 0xffff || directory_size == 0xffffffffu || directory_offset == 0xffffffffu)
    return invalid_model(where + " is a zip64 archive, which is not supported");
  if (directory_size > end_at || directory_offset > end_at - directory_size)
    return invalid_model(where + " has its directory outside the file (offset " +
                         std::to_string(directory_offset) + ", size " + std::to_string(directory_size) + ")");
  // Offsets count from the archive's start, which lies `shift` bytes into the file when the
  // archive was appended after the model (zip tools write either that or file offsets).
  const size_t directory_at = end_at - directory_size;
  const size_t shift = directory_at - directory_offset;
  size_t at = directory_at;
  for (uint16_t i = 0; i < count; ++i) {
    const std::string entry = where + ": entry " + std::to_string(i);
    if (end_at - at < kEntrySize || u32(data + at) != kDirectoryEntry)
      return invalid_model(entry + ": its directory record is truncated or corrupt");
    const uint8_t* e = data + at;
    const size_t name_size = u16(e + 28);
    const size_t record = kEntrySize + name_size + u16(e + 30) + u16(e + 32);
    if (end_at - at < record) return invalid_model(entry + ": its directory record is truncated");
    ZipEntry z;
    z.name.assign(reinterpret_cast<const char*>(e + kEntrySize), name_size);
    z.method = u16(e + 10);
    const uint32_t stored_size = u32(e + 20);
    z.size = u32(e + 24);
    const size_t local_at = u32(e + 42) + shift;
    const std::string named = entry + " ('" + z.name + "')";
    if (u16(e + 8) & 1) return invalid_model(named + " is encrypted");
    if (local_at >= directory_at || directory_at - local_at < kLocalSize || u32(data + local_at) != kLocalHeader)
      return invalid_model(named + ": its local header is missing or outside the archive");
    const size_t data_at = local_at + kLocalSize + u16(data + local_at + 26) + u16(data + local_at + 28);
    if (data_at > directory_at || stored_size > directory_at - data_at)
      return invalid_model(named + ": its " + std::to_string(stored_size) + " bytes run past the archive");
    if (z.method == 0) {
      if (stored_size != z.size)
        return invalid_model(named + ": a stored entry of " + std::to_string(z.size) + " bytes holds " +
                             std::to_string(stored_size));
      z.data = data + data_at;
    }
    entries.push_back(std::move(z));
    at += record;
  }
  return entries;
}

}  // namespace outpost
