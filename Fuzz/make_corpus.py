#!/usr/bin/env python3
"""Writes the fuzz seed corpus from Protocol/vectors/ into the folder given.

Each vector becomes two inputs in the harness's format (Sources/RemitFuzz/FuzzHarness.swift):
mode 0 + the raw frame, and mode 1 + type + body (the checksum is recomputed by the harness; mode
bit 3 asks for the newest version's header, for frames of a version after 1).
"""
import glob
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Protocol", "vectors")
count = 0
for path in sorted(glob.glob(os.path.join(root, "*", "*.json"))):
    frame = bytes.fromhex(json.load(open(path, encoding="utf-8"))["hex"])
    name = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)[:-5]
    open(os.path.join(out, name + ".raw"), "wb").write(b"\x00" + frame)
    if len(frame) >= 24:
        mode = 3 if frame[8:16] == bytes(8) else 1
        if frame[2] > 1:
            mode |= 8  # a later version's frame: the harness writes the newest version's header
        open(os.path.join(out, name + ".body"), "wb").write(bytes([mode]) + frame[4:6] + frame[24:])
    count += 1
print(f"{count} vectors -> {out}")
