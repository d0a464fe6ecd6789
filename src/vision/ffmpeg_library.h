// FFmpeg, loaded on first use. Linking FFmpeg's libraries made every `outpost` process load
// them, and the more than 200 shared libraries they pull in, at start: about 60 ms of the
// 70 ms `outpost --version` took on the development machine, paid by every command, every
// `outpost serve` a supervisor restarts and every validation the agent runs, although only
// video sources and sinks use FFmpeg. Now the video reader and writer ask library() for the
// functions they call, and the first ask opens the libraries with dlopen; a process that reads
// no video never maps them. libavdevice (cameras) is opened only for a capture device, by
// devices().
//
// The functions are reached through pointers of the exact types the headers declare (decltype),
// so a call through them is checked by the compiler as a direct call would be. The libraries
// are found by the sonames of the headers built against (libavformat.so.59, ...): the same ABI,
// or a clear error naming the missing library and its Debian package.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::ffmpeg {

// Every FFmpeg function Outpost calls, by library (avdevice's are in DeviceFunctions).
#define OUTPOST_FFMPEG_FUNCTIONS(X)                                                            \
  X(avutil, av_log_set_level)                                                                  \
  X(avutil, av_strerror)                                                                       \
  X(avutil, av_dict_set)                                                                       \
  X(avutil, av_dict_set_int)                                                                   \
  X(avutil, av_dict_free)                                                                      \
  X(avutil, av_frame_alloc)                                                                    \
  X(avutil, av_frame_free)                                                                     \
  X(avutil, av_frame_get_buffer)                                                               \
  X(avutil, av_frame_make_writable)                                                            \
  X(avutil, av_d2q)                                                                            \
  X(avutil, av_opt_set)                                                                        \
  X(swscale, sws_getCachedContext)                                                             \
  X(swscale, sws_scale)                                                                        \
  X(swscale, sws_freeContext)                                                                  \
  X(avcodec, av_packet_alloc)                                                                  \
  X(avcodec, av_packet_free)                                                                   \
  X(avcodec, av_packet_unref)                                                                  \
  X(avcodec, av_packet_rescale_ts)                                                             \
  X(avcodec, avcodec_alloc_context3)                                                           \
  X(avcodec, avcodec_free_context)                                                             \
  X(avcodec, avcodec_open2)                                                                    \
  X(avcodec, avcodec_parameters_to_context)                                                    \
  X(avcodec, avcodec_parameters_from_context)                                                  \
  X(avcodec, avcodec_find_encoder_by_name)                                                     \
  X(avcodec, avcodec_send_packet)                                                              \
  X(avcodec, avcodec_receive_frame)                                                            \
  X(avcodec, avcodec_send_frame)                                                               \
  X(avcodec, avcodec_receive_packet)                                                           \
  X(avformat, avformat_alloc_context)                                                          \
  X(avformat, avformat_open_input)                                                             \
  X(avformat, avformat_find_stream_info)                                                       \
  X(avformat, avformat_close_input)                                                            \
  X(avformat, av_find_best_stream)                                                             \
  X(avformat, av_find_input_format)                                                            \
  X(avformat, av_read_frame)                                                                   \
  X(avformat, avformat_alloc_output_context2)                                                  \
  X(avformat, avformat_new_stream)                                                             \
  X(avformat, avformat_write_header)                                                           \
  X(avformat, av_interleaved_write_frame)                                                      \
  X(avformat, av_write_trailer)                                                                \
  X(avformat, avformat_free_context)                                                           \
  X(avformat, avio_open)                                                                       \
  X(avformat, avio_closep)

#define OUTPOST_FFMPEG_POINTER(library, function) decltype(&::function) function = nullptr;

struct Functions {
  OUTPOST_FFMPEG_FUNCTIONS(OUTPOST_FFMPEG_POINTER)
};

struct DeviceFunctions {
  OUTPOST_FFMPEG_POINTER(avdevice, avdevice_register_all)
};

// FFmpeg's decoding, encoding, container and scaling functions; the first call opens the
// libraries (thread-safe; the result, success or error, is kept for the process's life). The
// error names the library that is missing and the package that has it.
Result<const Functions*> library();

// The same, once library() is known to have succeeded (the owners of FFmpeg's objects below
// exist only then).
const Functions& loaded();

// library(), then libavdevice with its capture devices (v4l2) registered.
Result<const Functions*> devices();

// The shared libraries library() opens, in order ("libavutil.so.57", ...).
std::vector<std::string> library_sonames();

// Opens `soname` and finds each of `symbols` in it, for library() and for tests of its errors:
// a library or a function that is missing is an kUnsupported error naming it and the Debian
// package (lib<name><major>) to install.
Status check_loadable(const std::string& soname, const std::vector<std::string>& symbols);

}  // namespace outpost::ffmpeg
