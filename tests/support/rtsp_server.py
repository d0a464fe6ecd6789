#!/usr/bin/env python3
"""A real RTSP server for the reconnect tests (test-only; GStreamer's gst-rtsp-server).

usage: rtsp_server.py PORT [MOUNT]
       rtsp_server.py --check   (exit 0 when everything the server needs is installed)

Serves a live test pattern (a bouncing ball, 320x240 at 15 fps, Motion JPEG over RTP) at
rtsp://127.0.0.1:PORT/MOUNT (default mount: /test) and prints "ready" once it listens. It runs
until it is killed. Needs Debian's python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-base and gstreamer1.0-plugins-good (scripts/setup installs them).
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern=ball "
    "! video/x-raw,format=I420,width=320,height=240,framerate=15/1 "
    "! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )"
)


def check() -> int:
    Gst.init(None)
    missing = [e for e in ("videotestsrc", "jpegenc", "rtpjpegpay") if not Gst.ElementFactory.find(e)]
    if missing:
        print("missing GStreamer elements: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        return check()
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    port, mount = sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "/test"
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    factory.set_shared(True)  # one pipeline for every client, as a camera has
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr)
        return 1
    print("ready", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
