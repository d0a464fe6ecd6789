#include "vision/video_writer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "vision/ffmpeg_handles.h"

namespace outpost {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

AVPixelFormat input_format(int channels) {
  switch (channels) {
    case 1:
      return AV_PIX_FMT_GRAY8;
    case 2:
      return AV_PIX_FMT_YA8;
    case 4:
      return AV_PIX_FMT_RGBA;
    default:
      return AV_PIX_FMT_RGB24;
  }
}


}  // namespace

struct VideoWriter::Impl {
  explicit Impl(const ffmpeg::Functions& functions) : av(functions) {}

  const ffmpeg::Functions& av;  // first: the members below are made with it
  std::string path;
  std::string encoder;
  std::unique_ptr<AVFormatContext, ffmpeg::OutputFreer> format;
  ffmpeg::CodecPtr codec;
  ffmpeg::PacketPtr packet{av.av_packet_alloc()};
  ffmpeg::FramePtr frame{av.av_frame_alloc()};
  ffmpeg::ScalerPtr scaler;
  AVStream* stream = nullptr;
  double rate = 25;
  double first_seconds = NAN;
  int64_t last_pts = -1;
  bool open = false;  // the file is open and its header written
  bool finished = false;

  Status fail(const std::string& what, int code) const {
    return io_error(path + ": " + what + ": " + ffmpeg::error_text(code));
  }

  ~Impl() {
    if (open && !finished) (void)finish();  // best effort: a stopped pipeline's file still plays
  }

  // Sends what the encoder has ready to the muxer.
  Status drain() {
    for (;;) {
      const int got = av.avcodec_receive_packet(codec.get(), packet.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return Status::ok();
      if (got < 0) return fail("encoding failed", got);
      av.av_packet_rescale_ts(packet.get(), codec->time_base, stream->time_base);
      packet->stream_index = stream->index;
      const int rc = av.av_interleaved_write_frame(format.get(), packet.get());  // unrefs it
      if (rc < 0) return fail("write failed", rc);
    }
  }

  Status write(const Image& image, double seconds) {
    if (finished) return internal_error(path + ": write after finish");
    scaler.reset(av.sws_getCachedContext(scaler.release(), image.width, image.height,
                                      input_format(image.channels), codec->width, codec->height,
                                      codec->pix_fmt, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!scaler) return internal_error(path + ": cannot convert the frame for the encoder");
    int rc = av.av_frame_make_writable(frame.get());  // the encoder may still hold the last one
    if (rc < 0) return fail("out of memory", rc);
    const uint8_t* src[4] = {image.pixels.data(), nullptr, nullptr, nullptr};
    const int src_stride[4] = {static_cast<int>(image.row_bytes()), 0, 0, 0};
    av.sws_scale(scaler.get(), src, src_stride, 0, image.height, frame->data, frame->linesize);
    // Slots of the nominal rate counted from the first frame's time.
    int64_t pts = last_pts + 1;
    if (!std::isnan(seconds)) {
      if (std::isnan(first_seconds)) first_seconds = seconds;
      pts = std::max<int64_t>(pts, std::llround((seconds - first_seconds) * rate));
    }
    frame->pts = last_pts = pts;
    rc = av.avcodec_send_frame(codec.get(), frame.get());
    if (rc < 0) return fail("encoding failed", rc);
    return drain();
  }

  Status finish() {
    if (finished) return Status::ok();
    finished = true;
    Status s = Status::ok();
    const int sent = av.avcodec_send_frame(codec.get(), nullptr);  // flush delayed frames
    if (sent < 0 && sent != AVERROR_EOF) s = fail("encoding failed", sent);
    if (s.is_ok()) s = drain();
    const int trailer = av.av_write_trailer(format.get());
    if (s.is_ok() && trailer < 0) s = fail("write failed", trailer);
    const int closed = av.avio_closep(&format->pb);
    if (s.is_ok() && closed < 0) s = fail("write failed", closed);
    return s;
  }
};

Result<std::string> VideoWriter::encoder_for(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".mp4" || ext == ".mkv") {
    OUTPOST_ASSIGN_OR_RETURN(const ffmpeg::Functions* av, ffmpeg::library());
    return std::string(av->avcodec_find_encoder_by_name("libx264") ? "libx264" : "mpeg4");
  }
  if (ext == ".avi") return std::string("mjpeg");
  return usage_error(path +
                     ": a video sink writes .mp4, .mkv (H.264) or .avi (Motion JPEG) "
                     "files, not '" +
                     ext + "'");
}

VideoWriter::VideoWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoWriter::~VideoWriter() = default;

Result<std::unique_ptr<VideoWriter>> VideoWriter::create(const std::string& path, int width,
                                                         int height, double frames_per_second) {
  OUTPOST_ASSIGN_OR_RETURN(std::string encoder_name, encoder_for(path));
  OUTPOST_ASSIGN_OR_RETURN(const ffmpeg::Functions* functions, ffmpeg::library());
  const ffmpeg::Functions& av = *functions;
  auto impl = std::make_unique<Impl>(av);
  impl->path = path;
  impl->encoder = encoder_name;
  if (!impl->packet || !impl->frame) return internal_error("out of memory creating " + path);
  const AVCodec* encoder = av.avcodec_find_encoder_by_name(encoder_name.c_str());
  if (!encoder) return io_error(path + ": this FFmpeg has no " + encoder_name + " encoder");
  AVFormatContext* raw = nullptr;
  int rc = av.avformat_alloc_output_context2(&raw, nullptr, nullptr, path.c_str());
  if (rc < 0 || !raw) return impl->fail("no container for this file name", rc);
  impl->format.reset(raw);
  impl->codec.reset(av.avcodec_alloc_context3(encoder));
  impl->stream = av.avformat_new_stream(raw, nullptr);
  if (!impl->codec || !impl->stream) return internal_error("out of memory creating " + path);

  impl->rate = frames_per_second >= 1 && frames_per_second <= 240 ? frames_per_second : 25;
  const AVRational rate = av.av_d2q(impl->rate, 100000);  // 29.97 becomes 30000/1001
  AVCodecContext* c = impl->codec.get();
  c->width = std::max(2, width & ~1);
  c->height = std::max(2, height & ~1);
  c->time_base = av_inv_q(rate);
  c->framerate = rate;
  c->gop_size = std::max(1, static_cast<int>(std::lround(impl->rate * 2)));  // a key frame each 2 s
  c->pix_fmt = encoder_name == "mjpeg" ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
  if (encoder_name == "libx264") {
    av.av_opt_set(c->priv_data, "preset", "veryfast", 0);  // CRF 23 (its default) at edge speed
  } else {
    c->flags |= AV_CODEC_FLAG_QSCALE;  // constant quality instead of a 200 kbit/s default
    c->global_quality = FF_QP2LAMBDA * 3;
  }
  if (raw->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  rc = av.avcodec_open2(c, encoder, nullptr);
  if (rc < 0) return impl->fail("cannot open the " + encoder_name + " encoder", rc);
  rc = av.avcodec_parameters_from_context(impl->stream->codecpar, c);
  if (rc < 0) return impl->fail("bad encoder parameters", rc);
  impl->stream->time_base = c->time_base;
  impl->stream->avg_frame_rate = rate;
  impl->frame->format = c->pix_fmt;
  impl->frame->width = c->width;
  impl->frame->height = c->height;
  rc = av.av_frame_get_buffer(impl->frame.get(), 0);
  if (rc < 0) return impl->fail("out of memory", rc);
  rc = av.avio_open(&raw->pb, path.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) return impl->fail("cannot create", rc);
  rc = av.avformat_write_header(raw, nullptr);
  if (rc < 0) {
    av.avio_closep(&raw->pb);
    return impl->fail("cannot write the header", rc);
  }
  impl->open = true;
  return std::unique_ptr<VideoWriter>(new VideoWriter(std::move(impl)));
}

Status VideoWriter::write(const Image& image, double seconds) {
  return impl_->write(image, seconds);
}
Status VideoWriter::finish() { return impl_->finish(); }
int VideoWriter::width() const { return impl_->codec->width; }
int VideoWriter::height() const { return impl_->codec->height; }
const std::string& VideoWriter::encoder() const { return impl_->encoder; }

}  // namespace outpost
