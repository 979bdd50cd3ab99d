#!/usr/bin/env python3
"""A plain-Python "peer" of Likeness's portrait import, to benchmark the Rust
import (crates/likeness-core, `Library::import_bytes`) against side by side.

It does the same work per file the way a straightforward Python app would:
  1. read the file, decode it with Pillow (bundled libjpeg-turbo), apply the
     EXIF orientation (ImageOps.exif_transpose), convert to RGB;
  2. moderate it with ONNX Runtime (CPU, 2 intra-op threads, spinning off, as
     in src/inference.rs) on the same three models, sha256-checked at load:
     - a working copy shrunk to 480 px long side (area average) when the photo
       is over 640 px (moderation/input.rs);
     - CenterFace (centerface_dynamic.onnx) at 320 px long side, padded to
       multiples of 32, RGB 0..255 NCHW; heatmap >= 0.5, NMS IoU 0.3
       (moderation/detect.rs);
     - the age model (age-v1.onnx) on a 64x64 chip aligned by a 2-point
       similarity on the eye landmarks, plus its mirror, (px - mean) / 256
       (moderation/age.rs);
     - open_nsfw (open_nsfw_fp32.onnx): 256x256 resize, centre crop 224, BGR
       minus [104, 117, 123], NHWC (moderation/nsfw.rs);
     the verdict is simplified (one person, age >= 25, nsfw < 0.8; no
     sharpness/framing checks), but all three models run on every photo with
     a face;
  3. if accepted: re-encode as JPEG q92 with no EXIF/ICC/comment, a 320 px
     long-side thumbnail at JPEG q80, sha256 of the stored bytes, and an
     atomic, durable write of both into --out (temp file in that folder,
     fsync, os.replace, fsync the folder).
It skips the Rust side's SQLite bookkeeping and its file/pixel caps.

Install:  python3 -m pip install -r requirements.txt   (a venv is fine)
Run:      cargo bench -p likeness-core --bench import   (makes six 12 MP photos,
          imports them with Likeness, then runs this script on the same files:
          python3 import_peer.py --models models --out DIR photo-*.jpg)
Each file is imported once as a warm-up, then every file is timed in each of
--passes passes; stdout gets one JSON line with the per-file p50 and mean, i.e.
the marginal cost per file of importing N distinct files in one process.
Per-file details go to stderr.
"""

import argparse
import hashlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before onnxruntime is imported

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

# The same files as models/README.md (and src/inference.rs MODELS).
MODELS = {
    "centerface_dynamic.onnx": "5aaf17b351911ad4a27f126d2de45809710c458b95cba4a6478c4fd4e2e9d978",
    "age-v1.onnx": "4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c",
    "open_nsfw_fp32.onnx": "864bb37bf8863564b87eb330ab8c785a79a773f4e7c43cb96db52ed8611305fa",
}
ANALYSIS_MAX_LONG_SIDE, ANALYSIS_LONG_SIDE = 640, 480
DETECTOR_LONG_SIDE, HEATMAP_THRESHOLD, NMS_IOU, STRIDE = 320, 0.5, 0.3, 4
PERSON_AREA_RATIO = 0.25
LEFT_EYE, RIGHT_EYE = (19.535, 19.264), (43.557, 19.256)
AGE_MEAN = np.array([122.782, 117.001, 104.298], np.float32)
AGES = np.array([0.25] + list(range(1, 81)), np.float32)
NSFW_MEAN_BGR = np.array([104.0, 117.0, 123.0], np.float32)
YOUTHFUL_AGE, NSFW_THRESHOLD = 25.0, 0.8
JPEG_QUALITY, THUMB_LONG_SIDE, THUMB_QUALITY = 92, 320, 80
NO_METADATA = {"exif": b"", "icc_profile": None, "comment": b""}


def fit(size, long_side):
    """(w, h) scaled so the long side is `long_side`, aspect kept."""
    scale = long_side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def load_sessions(models_dir, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3  # errors only (age-v1 has unused initializers)
    sessions = {}
    for name, sha in MODELS.items():
        data = (Path(models_dir) / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            sys.exit(f"{name}: sha256 does not match models/README.md")
        sessions[name] = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
    return sessions


def nms(faces):
    """Greedy NMS on (x1, y1, x2, y2, score, landmarks) tuples, best first."""
    kept = []
    for f in sorted(faces, key=lambda f: -f[4]):
        ok = True
        for k in kept:
            iw = max(0.0, min(f[2], k[2]) - max(f[0], k[0]))
            ih = max(0.0, min(f[3], k[3]) - max(f[1], k[1]))
            inter = iw * ih
            union = (f[2] - f[0]) * (f[3] - f[1]) + (k[2] - k[0]) * (k[3] - k[1]) - inter
            if union > 0 and inter / union > NMS_IOU:
                ok = False
                break
        if ok:
            kept.append(f)
    return kept


def detect(session, work):
    """CenterFace faces in `work` pixels, largest first."""
    w, h = fit(work.size, DETECTOR_LONG_SIDE)
    pw, ph = -(-w // 32) * 32, -(-h // 32) * 32
    x = np.zeros((1, 3, ph, pw), np.float32)
    x[0, :, :h, :w] = np.asarray(work.resize((w, h), Image.Resampling.BILINEAR)).transpose(2, 0, 1)
    heat, scale, offset, marks = session.run(["537", "538", "539", "540"], {"input.1": x})
    heat, scale, offset, marks = heat[0, 0], scale[0], offset[0], marks[0]
    sx, sy = work.width / w, work.height / h
    faces = []
    for gy, gx in zip(*np.nonzero(heat >= HEATMAP_THRESHOLD)):
        bh, bw = np.exp(scale[0, gy, gx]) * STRIDE, np.exp(scale[1, gy, gx]) * STRIDE
        cy = (gy + offset[0, gy, gx] + 0.5) * STRIDE
        cx = (gx + offset[1, gy, gx] + 0.5) * STRIDE
        x1, y1 = cx - bw / 2, cy - bh / 2
        lm = [((marks[2 * j + 1, gy, gx] * bw + x1) * sx, (marks[2 * j, gy, gx] * bh + y1) * sy)
              for j in range(5)]
        faces.append((x1 * sx, y1 * sy, (x1 + bw) * sx, (y1 + bh) * sy, float(heat[gy, gx]), lm))
    return sorted(nms(faces), key=lambda f: -(f[2] - f[0]) * (f[3] - f[1]))


def estimate_age(session, work, left_eye, right_eye):
    """Age from a 64x64 chip whose eyes land on dlib's positions, and its mirror."""
    (q1x, q1y), (q2x, q2y) = LEFT_EYE, RIGHT_EYE
    dq = complex(q2x - q1x, q2y - q1y)
    a = complex(right_eye[0] - left_eye[0], right_eye[1] - left_eye[1]) / dq
    b = complex(*left_eye) - a * complex(q1x, q1y)  # chip z -> image a*z + b
    coeffs = (a.real, -a.imag, b.real, a.imag, a.real, b.imag)
    chip = work.transform((64, 64), Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR)
    views = np.asarray(chip, np.float32)
    views = np.stack([views, views[:, ::-1]])  # chip and mirror, NHWC
    x = ((views - AGE_MEAN) / 256.0).transpose(0, 3, 1, 2).copy()
    probs = session.run(None, {session.get_inputs()[0].name: x})[0]
    return float((probs @ AGES).mean())


def nsfw_score(session, work):
    resized = np.asarray(work.resize((256, 256), Image.Resampling.BILINEAR), np.float32)
    x = (resized[16:240, 16:240, ::-1] - NSFW_MEAN_BGR)[None].copy()  # BGR, NHWC
    return float(session.run(None, {session.get_inputs()[0].name: x})[0][0, 1])


def moderate(sessions, rgb):
    """(accepted, details). Runs detection, then age and NSFW on the main face."""
    work = rgb
    if max(rgb.size) > ANALYSIS_MAX_LONG_SIDE:
        work = rgb.resize(fit(rgb.size, ANALYSIS_LONG_SIDE), Image.Resampling.BOX)
    faces = detect(sessions["centerface_dynamic.onnx"], work)
    if not faces:
        return False, {"reason": "no_face"}
    main = faces[0]
    area = lambda f: (f[2] - f[0]) * (f[3] - f[1])  # noqa: E731
    people = int(sum(area(f) >= PERSON_AREA_RATIO * area(main) for f in faces))
    age = estimate_age(sessions["age-v1.onnx"], work, main[5][0], main[5][1])
    nsfw = nsfw_score(sessions["open_nsfw_fp32.onnx"], work)
    accepted = people == 1 and age >= YOUTHFUL_AGE and nsfw < NSFW_THRESHOLD
    return accepted, {"people": people, "age": round(age, 1), "nsfw": round(nsfw, 4)}


def write_atomic(folder, name, data):
    """Temp file in `folder`, fsync, rename into place, fsync the folder."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(folder, name))
    except BaseException:
        os.unlink(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def import_file(sessions, path, out):
    with Image.open(path) as im:
        im.load()
        ImageOps.exif_transpose(im, in_place=True)
        rgb = im if im.mode == "RGB" else im.convert("RGB")
    accepted, details = moderate(sessions, rgb)
    if not accepted:
        return None, details
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=JPEG_QUALITY, **NO_METADATA)
    stored = buf.getvalue()
    sha = hashlib.sha256(stored).hexdigest()
    thumb = rgb.resize(fit(rgb.size, THUMB_LONG_SIDE), Image.Resampling.BOX)
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=THUMB_QUALITY, **NO_METADATA)
    write_atomic(out, f"{sha}.jpg", stored)
    write_atomic(out, f"{sha}.thumb.jpg", buf.getvalue())
    return sha, details


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", required=True, help="folder with the three .onnx files")
    ap.add_argument("--out", required=True, help="folder to store imports in")
    ap.add_argument("--passes", type=int, default=5, help="timed passes over all files")
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime intra-op threads")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sessions = load_sessions(args.models, args.threads)

    accepted = 0
    for path in args.files:  # warm-up: each file once
        sha, details = import_file(sessions, path, args.out)
        accepted += sha is not None
        print(f"warm-up {path}: {'accepted ' + sha[:12] if sha else 'rejected'} {details}",
              file=sys.stderr)
    times = []
    for _ in range(args.passes):
        for path in args.files:
            start = time.perf_counter()
            import_file(sessions, path, args.out)
            times.append((time.perf_counter() - start) * 1e3)
    print(json.dumps({
        "peer": "python",
        "files": len(args.files),
        "accepted": accepted,
        "per_file_ms_p50": round(statistics.median(times), 1),
        "per_file_ms_mean": round(statistics.fmean(times), 1),
        "per_file_ms_min": round(min(times), 1),
        "runs": len(times),
        "passes": args.passes,
        "ort_threads": args.threads,
        "versions": {"python": sys.version.split()[0], "pillow": Image.__version__,
                     "numpy": np.__version__, "onnxruntime": ort.__version__},
    }))


if __name__ == "__main__":
    main()
