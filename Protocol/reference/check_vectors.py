#!/usr/bin/env python3
"""Checks every file in Protocol/vectors/ with the independent decoder in remit_protocol.py.

    python3 Protocol/reference/check_vectors.py

Valid vectors must decode to their stated meaning; invalid ones must fail with their stated
code, field id and connection outcome. Exits non-zero on any failure.
"""

import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from remit_protocol import RemitError, crc32c, decode_frame  # noqa: E402

VECTORS = os.path.join(os.path.dirname(__file__), "..", "vectors")


def same(decoded, expected):
    """Equal as JSON meanings, where an absent key and null are the same."""
    if isinstance(decoded, dict) and isinstance(expected, dict):
        keys = set(decoded) | set(expected)
        return all(same(decoded.get(k), expected.get(k)) for k in keys)
    if isinstance(decoded, list) and isinstance(expected, list):
        return len(decoded) == len(expected) and all(same(a, b) for a, b in zip(decoded, expected))
    return decoded == expected


def main():
    passed, failed = 0, 0

    def report(ok, name, why=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {name}: {why}")

    for path in sorted(glob.glob(os.path.join(VECTORS, "valid", "*.json"))):
        vector = json.load(open(path, encoding="utf-8"))
        name = "valid/" + os.path.basename(path)
        try:
            frame = decode_frame(bytes.fromhex(vector["hex"]))
            report(same(frame, vector["frame"]), name, f"decoded {frame}")
        except RemitError as error:
            report(False, name, str(error))

    for path in sorted(glob.glob(os.path.join(VECTORS, "invalid", "*.json"))):
        vector = json.load(open(path, encoding="utf-8"))
        name = "invalid/" + os.path.basename(path)
        expected = vector["error"]
        try:
            frame = decode_frame(bytes.fromhex(vector["hex"]))
            report(False, name, f"decoded {frame}")
        except RemitError as error:
            got = (error.code, error.field, error.closes)
            want = (expected["code"], expected["fieldId"], expected["closesConnection"])
            report(got == want, name, f"got {got}, want {want}")

    for vector in json.load(open(os.path.join(VECTORS, "crc32c.json"), encoding="utf-8")):
        report(f"{crc32c(bytes.fromhex(vector['hex'])):08x}" == vector["crc32c"], f"crc32c {vector['hex'][:16]}")

    print(f"vectors: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
