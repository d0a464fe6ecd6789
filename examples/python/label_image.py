#!/usr/bin/env python3
"""Classifies an image with a TFLite classifier, written for TFLite's Python interpreter.

The only Outpost-specific line is the import: with ``import tflite_runtime.interpreter as
tflite`` (or ``from ai_edge_litert import interpreter as tflite``) this is a TFLite program.

    python3 label_image.py -m mobilenet_v2_1.0_224_quant.tflite -i cat.bmp -l imagenet_labels.txt
"""
import argparse

import numpy as np
from PIL import Image

import outpost.lite as tflite

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("-m", "--model_file", required=True, help=".tflite classifier")
parser.add_argument("-i", "--image", required=True, help="image to classify")
parser.add_argument("-l", "--label_file", required=True, help="labels, one per line")
parser.add_argument("--num_threads", type=int, default=None)
args = parser.parse_args()

interpreter = tflite.Interpreter(model_path=args.model_file, num_threads=args.num_threads)
interpreter.allocate_tensors()
input_details = interpreter.get_input_details()
output_details = interpreter.get_output_details()

# The model's input size, NHWC.
height, width = input_details[0]["shape"][1], input_details[0]["shape"][2]
image = Image.open(args.image).convert("RGB").resize((width, height))
input_data = np.expand_dims(image, axis=0)
if input_details[0]["dtype"] == np.float32:
    input_data = (np.float32(input_data) - 127.5) / 127.5

interpreter.set_tensor(input_details[0]["index"], input_data)
interpreter.invoke()
scores = np.squeeze(interpreter.get_tensor(output_details[0]["index"]))

scale, zero_point = output_details[0]["quantization"]
if scale:
    scores = scale * (scores.astype(np.float32) - zero_point)
with open(args.label_file) as f:
    labels = [line.strip() for line in f]
for i in scores.argsort()[-5:][::-1]:
    print(f"{scores[i]:.6f}: {labels[i]}")
