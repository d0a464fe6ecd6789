// Owners for FFmpeg's C objects, each freed by its own function, and FFmpeg's error text:
// shared by the video reader (video_source.cc) and the video writer (video_writer.cc). Such an
// object exists only once FFmpeg was loaded (ffmpeg_library.h), so each frees through loaded().
#pragma once

#include <memory>
#include <string>

#include "vision/ffmpeg_library.h"

namespace outpost::ffmpeg {

struct InputCloser {  // a demuxer opened with avformat_open_input
  void operator()(AVFormatContext* f) const { loaded().avformat_close_input(&f); }
};
struct OutputFreer {  // a muxer made with avformat_alloc_output_context2
  void operator()(AVFormatContext* f) const { loaded().avformat_free_context(f); }
};
struct CodecFreer {
  void operator()(AVCodecContext* c) const { loaded().avcodec_free_context(&c); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { loaded().av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { loaded().av_frame_free(&f); }
};
struct ScaleFreer {
  void operator()(SwsContext* s) const { loaded().sws_freeContext(s); }
};

using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using ScalerPtr = std::unique_ptr<SwsContext, ScaleFreer>;

inline std::string error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  loaded().av_strerror(code, text, sizeof(text));
  return text;
}

}  // namespace outpost::ffmpeg
