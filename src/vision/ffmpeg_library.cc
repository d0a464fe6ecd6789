#include "vision/ffmpeg_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace outpost::ffmpeg {
namespace {

// Each library by the major version of the headers compiled against: another major version is
// another ABI, which the pointers' types would not describe.
#define OUTPOST_SONAME(name, major) ("lib" #name ".so." + std::to_string(major))

std::string avutil_soname() { return OUTPOST_SONAME(avutil, LIBAVUTIL_VERSION_MAJOR); }
std::string swscale_soname() { return OUTPOST_SONAME(swscale, LIBSWSCALE_VERSION_MAJOR); }
std::string avcodec_soname() { return OUTPOST_SONAME(avcodec, LIBAVCODEC_VERSION_MAJOR); }
std::string avformat_soname() { return OUTPOST_SONAME(avformat, LIBAVFORMAT_VERSION_MAJOR); }
std::string avdevice_soname() { return OUTPOST_SONAME(avdevice, LIBAVDEVICE_VERSION_MAJOR); }

// Debian names a shared library's package after its soname: libavformat.so.59, libavformat59.
std::string package_of(const std::string& soname) {
  const size_t so = soname.find(".so.");
  return so == std::string::npos ? soname : soname.substr(0, so) + soname.substr(so + 4);
}

Status missing(const std::string& soname, const std::string& why) {
  return unsupported("video needs FFmpeg's " + soname + ", which cannot be loaded (" + why +
                     "); install Debian's package " + package_of(soname));
}

// Opened for the process's life: FFmpeg keeps global state (registered formats, codecs), and
// the functions found in it are used until exit. RTLD_NODELETE keeps a library mapped even
// after a dlclose (check_loadable's): unmapped, the blocks its globals point to would be
// orphaned (LeakSanitizer reported them).
Result<void*> open_library(const std::string& soname) {
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* why = dlerror();
    return missing(soname, why != nullptr ? why : "dlopen failed");
  }
  return handle;
}

Result<void*> find(void* handle, const std::string& soname, const std::string& symbol) {
  dlerror();
  void* address = dlsym(handle, symbol.c_str());
  if (address == nullptr) return missing(soname, "it has no " + symbol);
  return address;
}

// A library opened, with the soname that names it in errors.
struct Opened {
  std::string soname;
  void* handle = nullptr;
};

Result<Opened> open_named(const std::string& soname) {
  OUTPOST_ASSIGN_OR_RETURN(void* handle, open_library(soname));
  return Opened{soname, handle};
}

// Stores the address found for `function` in `slot`, of the function's own type.
template <typename Pointer>
Status bind(const Opened& library, const char* function, Pointer& slot) {
  OUTPOST_ASSIGN_OR_RETURN(void* address, find(library.handle, library.soname, function));
  slot = reinterpret_cast<Pointer>(address);
  return Status::ok();
}

Status load_functions(Functions& f) {
  // Dependencies first, so that each later dlopen finds them loaded.
  OUTPOST_ASSIGN_OR_RETURN(const Opened avutil, open_named(avutil_soname()));
  OUTPOST_ASSIGN_OR_RETURN(const Opened swscale, open_named(swscale_soname()));
  OUTPOST_ASSIGN_OR_RETURN(const Opened avcodec, open_named(avcodec_soname()));
  OUTPOST_ASSIGN_OR_RETURN(const Opened avformat, open_named(avformat_soname()));
#define OUTPOST_FFMPEG_BIND(library, function) \
  OUTPOST_RETURN_IF_ERROR(bind(library, #function, f.function));
  OUTPOST_FFMPEG_FUNCTIONS(OUTPOST_FFMPEG_BIND)
#undef OUTPOST_FFMPEG_BIND
  f.av_log_set_level(AV_LOG_QUIET);  // errors come back as Status; FFmpeg's chatter is noise
  return Status::ok();
}

struct Loaded {
  Functions functions;
  Status status = Status::ok();
};

const Loaded& load_once() {
  static Loaded loaded;
  static std::once_flag once;
  std::call_once(once, [] { loaded.status = load_functions(loaded.functions); });
  return loaded;
}

}  // namespace

Result<const Functions*> library() {
  const Loaded& l = load_once();
  if (!l.status.is_ok()) return l.status;
  return &l.functions;
}

const Functions& loaded() {
  const Loaded& l = load_once();
  if (!l.status.is_ok()) std::abort();  // an FFmpeg object exists only once library() succeeded
  return l.functions;
}

Result<const Functions*> devices() {
  OUTPOST_ASSIGN_OR_RETURN(const Functions* functions, library());
  static Status status = Status::ok();
  static std::once_flag once;
  std::call_once(once, [] {
    DeviceFunctions d;
    auto avdevice = open_named(avdevice_soname());
    if (!avdevice.is_ok()) {
      status = avdevice.status();
      return;
    }
    status = bind(*avdevice, "avdevice_register_all", d.avdevice_register_all);
    if (status.is_ok()) d.avdevice_register_all();  // v4l2 (cameras) and the other devices
  });
  if (!status.is_ok()) return status;
  return functions;
}

std::vector<std::string> library_sonames() {
  return {avutil_soname(), swscale_soname(), avcodec_soname(), avformat_soname(),
          avdevice_soname()};
}

Status check_loadable(const std::string& soname, const std::vector<std::string>& symbols) {
  OUTPOST_ASSIGN_OR_RETURN(void* handle, open_library(soname));
  Status s = Status::ok();
  for (const std::string& symbol : symbols) {
    auto found = find(handle, soname, symbol);
    if (!found.is_ok()) {
      s = found.status();
      break;
    }
  }
  dlclose(handle);
  return s;
}

}  // namespace outpost::ffmpeg
