"""The TFLite example (examples/python/label_image.py), whose only Outpost line is its import,
prints the class TFLite's own interpreter prints when that line is TFLite's."""

import os
import subprocess
import sys

from conftest import SOURCE_DIR, coral, python_env

EXAMPLE = os.path.join(SOURCE_DIR, "examples/python/label_image.py")
OUTPOST_IMPORT = "import outpost.lite as tflite\n"
TFLITE_IMPORT = "from ai_edge_litert import interpreter as tflite\n"


def run_example(python, script, model, image):
    args = [python, script, "-m", coral(model), "-i", coral(image),
            "-l", coral("imagenet_labels.txt"), "--num_threads", "1"]
    done = subprocess.run(args, capture_output=True, text=True, env=python_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_example_imports_outpost_in_one_line_and_nothing_else_of_it():
    with open(EXAMPLE) as f:
        text = f.read()
    assert text.count(OUTPOST_IMPORT) == 1
    assert text.count("outpost") == text.count(OUTPOST_IMPORT.strip().split()[1]) >= 1


def test_the_example_prints_the_cat_on_outpost():
    lines = run_example(sys.executable, EXAMPLE, "mobilenet_v2_1.0_224_quant.tflite", "cat.bmp")
    assert len(lines) == 5
    assert lines[0].endswith(": Egyptian cat")


def test_the_example_prints_what_tflite_prints(venv_python, tmp_path):
    with open(EXAMPLE) as f:
        text = f.read()
    tflite_script = tmp_path / "label_image_tflite.py"
    tflite_script.write_text(text.replace(OUTPOST_IMPORT, TFLITE_IMPORT))
    for model, image in [("mobilenet_v2_1.0_224_quant.tflite", "cat.bmp"),
                         ("mobilenet_v1_0.25_128_quant.tflite", "grace_hopper.bmp"),
                         ("tf2_mobilenet_v2_1.0_224_ptq.tflite", "grace_hopper.bmp")]:
        theirs = run_example(venv_python, str(tflite_script), model, image)
        # Outpost under the venv's Python too: its NumPy is 2.x, Debian's is 1.x.
        ours = run_example(venv_python, EXAMPLE, model, image)
        # The class is the same; its score may differ by the steps TFLite's own two CPU paths
        # differ by on quantized models (shared/data/reference/README.md: 1 step of 1/256 here).
        our_score, our_class = ours[0].split(": ", 1)
        their_score, their_class = theirs[0].split(": ", 1)
        assert our_class == their_class, (model, image, ours, theirs)
        assert abs(float(our_score) - float(their_score)) <= 1.5 / 256, (model, ours, theirs)
