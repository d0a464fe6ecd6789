#include "vision/video_source.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "vision/ffmpeg_handles.h"

namespace outpost {
namespace {

using Clock = std::chrono::steady_clock;

bool has_scheme(const std::string& url, const char* scheme) {
  const std::string prefix = std::string(scheme) + "://";
  return url.size() > prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), url.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

// Any url but file:// and device paths reaches its input over a network.
bool is_network_url(const std::string& url) {
  return url.find("://") != std::string::npos && !has_scheme(url, "file");
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", s);
  return text;
}


}  // namespace

struct VideoSource::Impl {
  explicit Impl(const ffmpeg::Functions& functions) : av(functions) {}

  const ffmpeg::Functions& av;  // first: the members below are made with it
  std::string url;
  VideoSourceOptions options;
  // The blocking call in progress (open, stream probing, one read) fails once this passes.
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  std::unique_ptr<AVFormatContext, ffmpeg::InputCloser> format;
  ffmpeg::CodecPtr codec;
  ffmpeg::PacketPtr packet{av.av_packet_alloc()};
  ffmpeg::FramePtr frame{av.av_frame_alloc()};
  ffmpeg::ScalerPtr scaler;
  int stream = -1;
  bool draining = false;  // the demuxer is done; the decoder is giving back what it holds
  bool finished = false;
  VideoStats stats;
  double last_seconds = -1;  // the latest frame's presentation time (-1: none known)

  ~Impl() {
    // Closing a stream may talk to its server (RTSP TEARDOWN): one second at most.
    if (options.io_timeout > 0) arm(std::min(options.io_timeout, 1.0));
    format.reset();
  }

  void arm(double seconds) {
    timed_out = false;
    deadline = seconds > 0 ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(seconds))
                           : Clock::time_point::max();
  }
  void arm() { arm(options.io_timeout); }

  // FFmpeg polls this while it waits on a socket; nonzero makes the wait fail (AVERROR_EXIT).
  static int interrupted(void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (self->options.cancel && self->options.cancel->load()) return 1;
    if (Clock::now() < self->deadline) return 0;
    self->timed_out = true;
    return 1;
  }

  // A url that cannot be reached or read is a network failure (exit 12), as a stream that
  // stays lost is; a file that cannot be read, an input failure (exit 3).
  Status fail(const std::string& what, int code) const {
    std::string why = ffmpeg::error_text(code);
    const bool cancelled = options.cancel && options.cancel->load();
    if (cancelled)
      why = "cancelled";
    else if (timed_out)
      why = "no answer within " + seconds_text(options.io_timeout) + " s";
    const bool network = is_network_url(url) && !cancelled;
    return Status(network ? StatusCode::kNetwork : StatusCode::kIoError,
                  url + ": " + what + ": " + why);
  }

  // Converts the decoded frame to RGB at its own size (the scaler is remade if a stream
  // changes resolution midway).
  VideoFrame convert() {
    const AVFrame* f = frame.get();
    scaler.reset(av.sws_getCachedContext(scaler.release(), f->width, f->height,
                                      static_cast<AVPixelFormat>(f->format), f->width, f->height,
                                      AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
    VideoFrame out;
    out.image = Image::blank(f->width, f->height, 3);
    uint8_t* dst[4] = {out.image.pixels.data(), nullptr, nullptr, nullptr};
    const int dst_stride[4] = {static_cast<int>(out.image.row_bytes()), 0, 0, 0};
    av.sws_scale(scaler.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
    out.index = stats.frames++;
    const AVStream* s = format->streams[stream];
    const int64_t start = s->start_time == AV_NOPTS_VALUE ? 0 : s->start_time;
    out.seconds = f->best_effort_timestamp == AV_NOPTS_VALUE
                      ? std::nan("")
                      : static_cast<double>(f->best_effort_timestamp - start) * av_q2d(s->time_base);
    if (!std::isnan(out.seconds)) last_seconds = std::max(last_seconds, out.seconds);
    return out;
  }

  // One decoded frame, or nullopt at the end of the stream.
  Result<std::optional<VideoFrame>> next() {
    while (!finished) {
      const int got = av.avcodec_receive_frame(codec.get(), frame.get());
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
      arm();
      const int read = av.av_read_frame(format.get(), packet.get());
      if (read == AVERROR_EOF) {
        draining = true;
        av.avcodec_send_packet(codec.get(), nullptr);
        return Status::ok();
      }
      if (read < 0) return fail("read error", read);
      const bool ours = packet->stream_index == stream;
      const int sent = ours ? av.avcodec_send_packet(codec.get(), packet.get()) : 0;
      av.av_packet_unref(packet.get());
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

Result<std::unique_ptr<VideoSource>> VideoSource::open(const std::string& url,
                                                       const VideoSourceOptions& options) {
  // A capture device (v4l2) needs libavdevice too; files and streams do not.
  OUTPOST_ASSIGN_OR_RETURN(const ffmpeg::Functions* functions,
                           options.input_format.empty() ? ffmpeg::library() : ffmpeg::devices());
  const ffmpeg::Functions& av = *functions;
  auto impl = std::make_unique<Impl>(av);
  impl->url = url;
  impl->options = options;
  if (!impl->packet || !impl->frame) return internal_error("out of memory opening " + url);
  const AVInputFormat* input = nullptr;
  if (!options.input_format.empty()) {
    input = av.av_find_input_format(options.input_format.c_str());
    if (!input)
      return io_error(url + ": this FFmpeg has no '" + options.input_format +
                      "' input (libavdevice built without it)");
  }
  std::error_code ec;
  if (options.input_format == "v4l2" && !std::filesystem::exists(url, ec))
    return io_error(url +
                    ": no such V4L2 camera (no device file; `ls /dev/video*` lists the "
                    "cameras present)");
  AVDictionary* settings = nullptr;
  if (has_scheme(url, "rtsp") || has_scheme(url, "rtsps")) {
    av.av_dict_set(&settings, "rtsp_transport", "tcp", 0);
    if (options.io_timeout > 0)  // socket I/O timeout, microseconds
      av.av_dict_set_int(&settings, "timeout", static_cast<int64_t>(options.io_timeout * 1e6), 0);
  } else if (options.io_timeout > 0 && url.find("://") != std::string::npos) {
    // Other network protocols (http, tcp, ...): the same for each read or write.
    av.av_dict_set_int(&settings, "rw_timeout", static_cast<int64_t>(options.io_timeout * 1e6), 0);
  }
  AVFormatContext* raw = av.avformat_alloc_context();
  if (!raw) return internal_error("out of memory opening " + url);
  raw->interrupt_callback.callback = &Impl::interrupted;
  raw->interrupt_callback.opaque = impl.get();
  impl->arm();
  int rc = av.avformat_open_input(&raw, url.c_str(), input, &settings);  // frees raw on failure
  av.av_dict_free(&settings);
  if (rc < 0) return impl->fail("cannot open", rc);
  impl->format.reset(raw);
  // Probing reads up to 5 s of stream (FFmpeg's analyzeduration) while data flows; a silent
  // socket is still caught by the protocol's own timeout.
  if (options.io_timeout > 0) impl->arm(options.io_timeout + 10);
  rc = av.avformat_find_stream_info(raw, nullptr);
  if (rc < 0) return impl->fail("cannot read the stream information", rc);
  const AVCodec* decoder = nullptr;
  impl->stream = av.av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (impl->stream < 0 || !decoder)
    return io_error(url + ": no video stream that FFmpeg can decode");
  impl->codec.reset(av.avcodec_alloc_context3(decoder));
  if (!impl->codec) return internal_error("out of memory opening " + url);
  rc = av.avcodec_parameters_to_context(impl->codec.get(), raw->streams[impl->stream]->codecpar);
  if (rc < 0) return impl->fail("bad codec parameters", rc);
  rc = av.avcodec_open2(impl->codec.get(), decoder, nullptr);
  if (rc < 0) return impl->fail("cannot open the " + std::string(decoder->name) + " decoder", rc);
  return std::unique_ptr<VideoSource>(new VideoSource(std::move(impl)));
}

Result<std::optional<VideoFrame>> VideoSource::next() { return impl_->next(); }

Status VideoSource::check_complete() const {
  const AVStream* s = impl_->format->streams[impl_->stream];
  // The video stream's own length, else the container's (which may include a longer audio
  // stream, so only when the video is all it holds).
  double declared = 0;
  if (s->duration != AV_NOPTS_VALUE && s->duration > 0)
    declared = static_cast<double>(s->duration) * av_q2d(s->time_base);
  else if (impl_->format->nb_streams == 1)
    declared = duration_seconds();
  if (declared <= 0) return Status::ok();
  const double fps = frames_per_second();
  const double period = fps > 0 ? 1 / fps : 0;
  const double reached = impl_->last_seconds < 0 ? 0 : impl_->last_seconds + period;
  // Containers round their durations and may count a last frame's length or not: only a gap
  // of more than half a second (and two frames) is an early end.
  if (declared - reached <= std::max(0.5, 2 * period)) return Status::ok();
  char times[96];
  std::snprintf(times, sizeof(times), "the video ends at %.2f s but declares %.2f s", reached,
                declared);
  std::string what = impl_->url + ": " + times;
  // The frame count the container gives (MP4, AVI) says how many are missing; else the time.
  const int64_t decoded = impl_->stats.frames;
  if (s->nb_frames > decoded)
    what += " (" + std::to_string(s->nb_frames - decoded) + " of its " +
            std::to_string(s->nb_frames) + " frames missing)";
  else if (period > 0)
    what += " (about " + std::to_string(std::lround((declared - reached) / period)) +
            " frames missing)";
  const int64_t corrupt = impl_->stats.corrupt_packets;
  if (corrupt > 0)
    what += ", " + std::to_string(corrupt) + (corrupt == 1 ? " packet" : " packets") +
            " could not be decoded";
  return io_error(what + ": the file is truncated or damaged");
}
int VideoSource::width() const { return impl_->codec->width; }
int VideoSource::height() const { return impl_->codec->height; }
double VideoSource::frames_per_second() const {
  const AVRational rate = impl_->format->streams[impl_->stream]->avg_frame_rate;
  return rate.den > 0 ? av_q2d(rate) : 0.0;
}
double VideoSource::duration_seconds() const {
  const int64_t d = impl_->format->duration;
  return d == AV_NOPTS_VALUE || d <= 0 ? 0.0 : static_cast<double>(d) / AV_TIME_BASE;
}
const VideoStats& VideoSource::stats() const { return impl_->stats; }
const std::string& VideoSource::url() const { return impl_->url; }

}  // namespace outpost
