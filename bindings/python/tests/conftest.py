"""Where the Python module's tests find things: the build's `outpost` binary, the real models
(the shared data's coral models, the npm MediaPipe models of scripts/fetch-data), and the venv
with TFLite's own interpreter (scripts/setup-venv). A test whose files are absent skips, naming
what is missing and the script that brings it."""

import json
import os
import subprocess
import sys

import pytest

SOURCE_DIR = os.environ.get("OUTPOST_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
SHARED_DATA = os.environ.get("OUTPOST_SHARED_DATA", os.path.join(SOURCE_DIR, "../shared/data"))
CACHE = os.environ.get("OUTPOST_CACHE", os.path.join(SOURCE_DIR, ".cache"))
VENV_PYTHON = os.path.join(CACHE, "venv/bin/python3")

# The npm packages of the MediaPipe models (scripts/fetch-data), by the model file's prefix.
_NPM_MODELS = [
    ("face_detection", "npm/@mediapipe/face_detection@0.4.1657300184/"),
    ("selfie_segmentation", "npm/@mediapipe/selfie_segmentation@0.1.1675465747/"),
    ("hand_landmark", "npm/@mediapipe/hands@0.4.1675469240/"),
    ("pose_landmark", "npm/@mediapipe/pose@0.5.1675469404/"),
]


def model_path(name):
    for prefix, directory in _NPM_MODELS:
        if name.startswith(prefix):
            return os.path.join(CACHE, directory, name)
    return os.path.join(SHARED_DATA, "coral", name)


def require(path, brought_by):
    if not os.path.exists(path):
        pytest.skip(f"{path} is absent ({brought_by})")
    return path


def coral(name):
    return require(os.path.join(SHARED_DATA, "coral", name), "the shared data, ../shared/data")


def reference_cases():
    """The cases of the shared data's TFLite reference outputs (data/reference/summary.json)."""
    summary = os.path.join(SHARED_DATA, "reference", "summary.json")
    if not os.path.exists(summary):
        return []
    with open(summary) as f:
        return sorted(json.load(f).items())


def reference_file(name):
    return os.path.join(SHARED_DATA, "reference", name)


@pytest.fixture(scope="session")
def outpost_bin():
    path = os.environ.get("OUTPOST_BIN", os.path.join(SOURCE_DIR, "build-test/outpost"))
    return require(path, "build the outpost target")


@pytest.fixture(scope="session")
def venv_python():
    """The venv's Python with TFLite's own interpreter (ai-edge-litert), or a skip."""
    require(VENV_PYTHON, "scripts/setup-venv")
    probe = subprocess.run([VENV_PYTHON, "-c", "import ai_edge_litert.interpreter, PIL"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"{VENV_PYTHON} lacks ai-edge-litert or pillow (scripts/setup-venv): "
                    f"{probe.stderr.strip().splitlines()[-1:]}")
    return VENV_PYTHON


def python_env():
    """The environment a child Python needs to import this build's outpost module (ctest sets
    PYTHONPATH to the build tree's python/)."""
    return dict(os.environ)
