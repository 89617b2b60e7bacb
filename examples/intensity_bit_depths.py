"""One mammogram stored at 10, 12, 14 and 16 bits reaches the model as one 0..255 image.

Writes a digital-style synthetic mammogram as 16-bit PNGs holding 10-, 12-, 14- and 16-bit
values (the 12-bit one also with an ``sBIT`` chunk), reads each with
``mammokit.imaging.intensity.read_scaled``, prints which rule set its scale, and saves
OUT/intensity_bit_depths.png: top row divided by 65,535 whatever the content (what a plain
16-bit reader does), bottom row on mammokit's scale.

    python examples/intensity_bit_depths.py --out example-out        # add --small for a quick run
"""

from __future__ import annotations

import argparse
import zlib
from pathlib import Path

import cv2
import numpy as np

from mammokit.datasets import synthetic_mammogram
from mammokit.imaging.intensity import intensity_survey, read_scaled
from mammokit.imaging.io import read_image


def write_png(path: Path, pixels: np.ndarray, significant_bits: int | None = None) -> Path:
    """A 16-bit PNG; with ``significant_bits``, an ``sBIT`` chunk says how many bits count."""
    ok, encoded = cv2.imencode(".png", pixels)
    if not ok:
        raise OSError(f"{path}: could not encode")
    data = encoded.tobytes()
    if significant_bits is not None:
        body = b"sBIT" + bytes([significant_bits])
        chunk = len(body[4:]).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
        data = data[:33] + chunk + data[33:]  # right after the 8-byte signature and IHDR
    path.write_bytes(data)
    return path


def tile(image: np.ndarray, caption: str, size: tuple[int, int]) -> np.ndarray:
    """A captioned 8-bit tile of a 0..255 float image."""
    picture = cv2.resize(np.clip(image, 0, 255).astype(np.uint8), size[::-1])
    picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)
    for line, text in enumerate(caption.split("\n")):
        origin = (4, 14 + 14 * line)
        cv2.putText(picture, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 200, 255), 1)
    return picture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    size = (160, 100) if args.small else (400, 250)

    sample = synthetic_mammogram("Cancer", "LEFT", "CC", size, density=2, seed=4, style="digital")
    files = []
    for bits, sbit in ((10, None), (12, None), (12, 12), (14, None), (16, None)):
        name = f"{bits}bit{'_sbit' if sbit else ''}.png"
        pixels = np.round(sample.image * (2**bits - 1)).astype(np.uint16)
        files.append(write_png(out / name, pixels, sbit))

    print(intensity_survey(files)[["image_path", "rule", "bits", "high"]].to_string(index=False))
    before, after = [], []
    for path in files:
        naive = read_image(path).astype(np.float32) / 65535 * 255
        scaled, scale = read_scaled(path)
        label = path.stem.replace("_", " + ")
        before.append(tile(naive, f"{label}\n/ 65535", (240, 150)))
        after.append(tile(scaled, f"{label}\n{scale.rule}: / {scale.high:.0f}", (240, 150)))
    target = out / "intensity_bit_depths.png"
    cv2.imwrite(str(target), np.vstack([np.hstack(before), np.hstack(after)]))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
