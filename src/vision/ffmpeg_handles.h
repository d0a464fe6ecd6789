// Owners for FFmpeg's C objects, each freed by its own function, and FFmpeg's error text:
// shared by the video reader (video_source.cc) and the video writer (video_writer.cc).
#pragma once

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace outpost::ffmpeg {

struct InputCloser {  // a demuxer opened with avformat_open_input
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct OutputFreer {  // a muxer made with avformat_alloc_output_context2
  void operator()(AVFormatContext* f) const { avformat_free_context(f); }
};
struct CodecFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct ScaleFreer {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};

using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using ScalerPtr = std::unique_ptr<SwsContext, ScaleFreer>;

inline std::string error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof(text));
  return text;
}

}  // namespace outpost::ffmpeg
