"""Pipelines (docs/pipelines.md): a source of frames, a model and its task, sinks.

    for event in outpost.pipeline.run("pipeline.json"):
        print(event["frame"], event.get("faces"))

``run`` reads frames on its own threads, as ``outpost pipeline run`` does, and yields each
frame's event (the object a "jsonl" sink writes) as it happens; the file's sinks write too.
Leaving the loop early (``break``, an exception, ``stop()``) ends the run as Ctrl-C ends the
command: no new frame is read, the frames already read finish, video files are closed so that
they play.
"""

import json
import os

from . import _outpost

__all__ = ["run", "Run"]


def run(spec, *, trust_dir=None, device_key=None, allow_unsigned=False, threads=0,
        backend="auto"):
    """Starts the pipeline ``spec``: a pipeline file's path, or the file's content as a dict
    (relative paths in it are then taken from the current directory). Its model loads under
    the trust policy given (no ``trust_dir``: a plain model loads as it is). Returns a Run:
    iterate over it for the events; its ``stats`` once it has ended."""
    return Run(spec, trust_dir=trust_dir, device_key=device_key, allow_unsigned=allow_unsigned,
               threads=threads, backend=backend)


class Run:
    """A running pipeline: an iterator over its events, and a context manager that stops it."""

    def __init__(self, spec, *, trust_dir=None, device_key=None, allow_unsigned=False, threads=0,
                 backend="auto"):
        if isinstance(spec, dict):
            text, base_dir, what = json.dumps(spec), os.getcwd(), "pipeline"
        else:
            path = os.fspath(spec)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            base_dir, what = os.path.dirname(os.path.abspath(path)), path
        self._native = _outpost.PipelineRun(
            text, base_dir, what, None if trust_dir is None else os.fspath(trust_dir),
            None if device_key is None else os.fspath(device_key), allow_unsigned, threads, backend)
        self._stats = None

    def __iter__(self):
        return self

    def __next__(self):
        line = self._native.next_event() if self._stats is None else None
        if line is None:
            self._finish()
            raise StopIteration
        return json.loads(line)

    def stop(self):
        """Ends the run early (the frames already read finish); returns its statistics."""
        if self._stats is None:
            self._native.stop()
        return self._finish()

    def _finish(self):
        if self._stats is None:
            self._stats = self._native.finish()
        return self._stats

    @property
    def stats(self):
        """frames, dropped, failed, reconnects, stopped, seconds, frames_per_second: once the
        run has ended (None before)."""
        return self._stats

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
