#include "core/mapped_file.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "core/regular_file.h"

namespace outpost {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(RegularFile regular, open_regular_file(path));
  auto file = std::shared_ptr<MappedFile>(new MappedFile());
  file->path_ = path;
  file->size_ = regular.size();
  if (file->size_ > 0) {
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, regular.fd(), 0);
    if (p == MAP_FAILED) return io_error("cannot map '" + path + "': " + std::strerror(errno));
    file->data_ = static_cast<const uint8_t*>(p);
  }
  return std::shared_ptr<const MappedFile>(std::move(file));
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

Result<std::string> read_text_file(const std::string& path) { return read_regular_file(path); }

}  // namespace outpost
