#include "vision/video_source.h"

#include <cmath>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

namespace outpost {
namespace {

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof(text));
  return text;
}

// Owners for FFmpeg's C objects, freed by their own functions.
struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
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

}  // namespace

struct VideoSource::Impl {
  std::string url;
  std::unique_ptr<AVFormatContext, FormatCloser> format;
  std::unique_ptr<AVCodecContext, CodecFreer> codec;
  std::unique_ptr<AVPacket, PacketFreer> packet{av_packet_alloc()};
  std::unique_ptr<AVFrame, FrameFreer> frame{av_frame_alloc()};
  std::unique_ptr<SwsContext, ScaleFreer> scaler;
  int stream = -1;
  bool draining = false;  // the demuxer is done; the decoder is giving back what it holds
  bool finished = false;
  VideoStats stats;

  Status fail(const std::string& what, int code) const {
    return io_error(url + ": " + what + ": " + av_error_text(code));
  }

  // Converts the decoded frame to RGB at its own size (the scaler is remade if a stream
  // changes resolution midway).
  VideoFrame convert() {
    const AVFrame* f = frame.get();
    scaler.reset(sws_getCachedContext(scaler.release(), f->width, f->height,
                                      static_cast<AVPixelFormat>(f->format), f->width, f->height,
                                      AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
    VideoFrame out;
    out.image = Image::blank(f->width, f->height, 3);
    uint8_t* dst[4] = {out.image.pixels.data(), nullptr, nullptr, nullptr};
    const int dst_stride[4] = {static_cast<int>(out.image.row_bytes()), 0, 0, 0};
    sws_scale(scaler.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
    out.index = stats.frames++;
    const AVStream* s = format->streams[stream];
    const int64_t start = s->start_time == AV_NOPTS_VALUE ? 0 : s->start_time;
    out.seconds = f->best_effort_timestamp == AV_NOPTS_VALUE
                      ? std::nan("")
                      : static_cast<double>(f->best_effort_timestamp - start) * av_q2d(s->time_base);
    return out;
  }

  // One decoded frame, or nullopt at the end of the stream.
  Result<std::optional<VideoFrame>> next() {
    while (!finished) {
      const int got = avcodec_receive_frame(codec.get(), frame.get());
      if (got == 0) {
        if (frame->width <= 0 || frame->height <= 0 || frame->format < 0) continue;
        return std::optional<VideoFrame>(convert());
      }
      if (got == AVERROR_EOF) {
        finished = true;
        break;
      }
      if (got != AVERROR(EAGAIN)) {  // a frame the decoder could not rebuild: skip it
        ++stats.corrupt_packets;
        continue;
      }
      if (draining) {
        finished = true;
        break;
      }
      OUTPOST_RETURN_IF_ERROR(feed());
    }
    return std::optional<VideoFrame>();
  }

  // Sends the next packet of our stream to the decoder (or starts draining at the end).
  Status feed() {
    for (;;) {
      const int read = av_read_frame(format.get(), packet.get());
      if (read == AVERROR_EOF) {
        draining = true;
        avcodec_send_packet(codec.get(), nullptr);
        return Status::ok();
      }
      if (read < 0) return fail("read error", read);
      const bool ours = packet->stream_index == stream;
      const int sent = ours ? avcodec_send_packet(codec.get(), packet.get()) : 0;
      av_packet_unref(packet.get());
      if (!ours) continue;
      if (sent < 0 && sent != AVERROR(EAGAIN)) {
        ++stats.corrupt_packets;  // refused outright: skip it and read on
        continue;
      }
      return Status::ok();
    }
  }
};

VideoSource::VideoSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoSource::~VideoSource() = default;

Result<std::unique_ptr<VideoSource>> VideoSource::open(const std::string& url) {
  av_log_set_level(AV_LOG_QUIET);  // errors come back as Status; FFmpeg's own chatter is noise
  auto impl = std::make_unique<Impl>();
  impl->url = url;
  if (!impl->packet || !impl->frame) return internal_error("out of memory opening " + url);
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, url.c_str(), nullptr, nullptr);
  if (rc < 0) return impl->fail("cannot open", rc);
  impl->format.reset(raw);
  rc = avformat_find_stream_info(raw, nullptr);
  if (rc < 0) return impl->fail("cannot read the stream information", rc);
  const AVCodec* decoder = nullptr;
  impl->stream = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (impl->stream < 0 || !decoder)
    return io_error(url + ": no video stream that FFmpeg can decode");
  impl->codec.reset(avcodec_alloc_context3(decoder));
  if (!impl->codec) return internal_error("out of memory opening " + url);
  rc = avcodec_parameters_to_context(impl->codec.get(), raw->streams[impl->stream]->codecpar);
  if (rc < 0) return impl->fail("bad codec parameters", rc);
  rc = avcodec_open2(impl->codec.get(), decoder, nullptr);
  if (rc < 0) return impl->fail("cannot open the " + std::string(decoder->name) + " decoder", rc);
  return std::unique_ptr<VideoSource>(new VideoSource(std::move(impl)));
}

Result<std::optional<VideoFrame>> VideoSource::next() { return impl_->next(); }
int VideoSource::width() const { return impl_->codec->width; }
int VideoSource::height() const { return impl_->codec->height; }
double VideoSource::frames_per_second() const {
  const AVRational rate = impl_->format->streams[impl_->stream]->avg_frame_rate;
  return rate.den > 0 ? av_q2d(rate) : 0.0;
}
const VideoStats& VideoSource::stats() const { return impl_->stats; }
const std::string& VideoSource::url() const { return impl_->url; }

}  // namespace outpost
