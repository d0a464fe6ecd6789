"""outpost.pipeline.run: a pipeline's events as they happen, its statistics, its errors."""

import os
import shutil

import pytest

import outpost
import outpost.pipeline
from conftest import CACHE, coral, model_path, require

FACE_MODEL = "face_detection_short_range.tflite"


@pytest.fixture
def images(tmp_path):
    """A folder of three images: two of the coral set and the astronaut (a face)."""
    folder = tmp_path / "images"
    folder.mkdir()
    shutil.copy(coral("cat.bmp"), folder / "a_cat.bmp")
    shutil.copy(coral("grace_hopper.bmp"), folder / "b_hopper.bmp")
    astronaut = os.path.join(CACHE, "debian/python3-skimage/astronaut.png")
    shutil.copy(require(astronaut, "scripts/fetch-data"), folder / "c_astronaut.png")
    return folder


@pytest.fixture
def face_model():
    return require(model_path(FACE_MODEL), "scripts/fetch-data")


def spec(images, face_model, **more):
    return {"source": str(images), "model": face_model, "task": "faces", "min_score": 0.5,
            "sinks": [{"type": "jsonl", "path": str(images.parent / "events.jsonl")}], **more}


def test_a_folder_gives_one_event_per_image_in_order(images, face_model):
    run = outpost.pipeline.run(spec(images, face_model), threads=1)
    events = list(run)
    assert [e["frame"] for e in events] == [0, 1, 2]
    assert [os.path.basename(e["source"]) for e in events] == \
        ["a_cat.bmp", "b_hopper.bmp", "c_astronaut.png"]
    assert len(events[1]["faces"]) == 1 and len(events[2]["faces"]) == 1
    assert run.stats["frames"] == 3 and run.stats["failed"] == 0 and not run.stats["stopped"]
    # The file's own sink wrote the same events.
    with open(images.parent / "events.jsonl") as f:
        assert len(f.read().splitlines()) == 3


def test_a_pipeline_file_runs_with_paths_from_its_directory(images, face_model, tmp_path):
    import json
    shutil.copy(face_model, images.parent / FACE_MODEL)
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps({"source": "images", "model": FACE_MODEL, "task": "faces",
                                "sinks": [{"type": "jsonl", "path": "out.jsonl"}]}))
    events = list(outpost.pipeline.run(path, threads=1))
    assert len(events) == 3 and (tmp_path / "out.jsonl").exists()


def test_leaving_the_loop_early_stops_the_run(images, face_model):
    for i in range(30):
        shutil.copy(images / "a_cat.bmp", images / f"d_cat{i:02}.bmp")
    with outpost.pipeline.run(spec(images, face_model, queue_size=1), threads=1) as run:
        for event in run:
            break
    assert event["frame"] == 0
    # The frames already read when it stopped went through; no other was read.
    assert run.stats["stopped"] and 1 <= run.stats["frames"] <= 8, run.stats


def test_an_unreadable_image_is_an_event_and_the_run_goes_on_then_raises(images, face_model):
    (images / "b_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    run = outpost.pipeline.run(spec(images, face_model), threads=1)
    events = []
    with pytest.raises(outpost.IoError, match="1 of 4 frames could not be read|could not"):
        for event in run:
            events.append(event)
    assert len(events) == 4 and "error" in events[1]


def test_a_malformed_pipeline_is_a_usage_error_naming_the_field(images, face_model):
    with pytest.raises(outpost.UsageError, match="min_score"):
        outpost.pipeline.run(spec(images, face_model, min_score=-1))
    with pytest.raises(outpost.UsageError, match="sink"):
        outpost.pipeline.run({**spec(images, face_model), "sinks": []})
    with pytest.raises(outpost.IoError):
        outpost.pipeline.run({**spec(images, face_model), "source": str(images / "absent")})
