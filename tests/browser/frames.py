"""Is a picture that reached a browser anonymised? Checked against the demo scene itself.

The RTSP server loops the lobby scene's frames, and every frame has ground truth: where the
astronaut's face is. A live frame or a snapshot does not say which scene frame it came from,
so :class:`FaceCheck` finds it: the scene frame with the least mean squared difference on a
small grey thumbnail (the person's position, the car's, the lighting drift and the noise make
each frame distinct; blurring a face barely moves that difference). Then two independent
tests, each robust where the other is weak:

1. **No face found.** Veil's own face detector (CenterFace) runs on the whole received
   picture. Nothing may score 0.6 or more (the unblurred astronaut scores 0.78-0.9 here). A
   detection from 0.5 counts as a face unless the picture matches a scene frame and the
   detected box has lost its detail (Laplacian variance under 15 % of the same box in the
   original): CenterFace can still score a *blurred* head's silhouette near 0.5 (measured on
   the anonymiser's own output with its 0.35 face padding: at most 0.46 over 68 demo frames;
   0.58 was seen with the earlier 0.25 padding), with the face's detail down to 1-3 %. A picture matching no scene frame gets the plain
   0.5 threshold.
2. **No facial detail where the face is.** In the face box of the matched frame, the variance
   of the Laplacian (high-frequency energy: edges of eyes, mouth, hair) must have collapsed
   to under 15 % of the original frame's. A detector can miss a sharp face (small, turned);
   detail cannot survive a blur. Only measured when the match is close (a picture from the
   scene) and the face box is at least 12 px wide (smaller boxes are too noisy to judge).

A check is only worth something if there was a face to hide: :attr:`FaceCheck.face_bearing`
counts the pictures whose matched frame has a face the detector *does* find in the original
(score >= 0.5), and the tests assert it is not zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from vms.geometry import box_iou

FACE_FOUND = 0.5  # a CenterFace score from which a face counts as found, if it has detail
FACE_CERTAIN = 0.6  # a face, whatever its detail
MAX_DETAIL_LEFT = 0.15  # face-box Laplacian variance after / before
MATCH_MSE = 120.0  # grey-level² on a 160×90 thumbnail: the picture is this scene frame
MIN_FACE_WIDTH = 12


@dataclass
class Examined:
    source: str
    shape: tuple[int, ...]
    face_score: float  # the best CenterFace score anywhere in the received picture
    detections: list[
        tuple[float, tuple[int, int, int, int], float | None]
    ]  # score, box, detail left
    frame_index: int | None  # the matched scene frame (None: no close match)
    match_mse: float
    original_face_score: float | None  # the detector on the matched original's face
    detail_before: float | None
    detail_after: float | None
    # Plate characters (PP-OCR): a run of 3 read in the received picture, at the matched
    # frame's plate box or anywhere in it ("" when none), and whether the original showed one.
    plate_read: str = ""
    plate_read_before: bool = False

    @property
    def face_bearing(self) -> bool:
        return (self.original_face_score or 0.0) >= FACE_FOUND

    def problems(self) -> list[str]:
        found = []
        if self.plate_read:
            found.append(f"plate characters readable: {self.plate_read!r}")
        for score, box, detail_left in self.detections:
            if score >= FACE_CERTAIN or (
                score >= FACE_FOUND and (detail_left is None or detail_left >= MAX_DETAIL_LEFT)
            ):
                found.append(
                    f"a face was detected at {box} (score {score:.2f}, detail {detail_left})"
                )
        measured = self.detail_before is not None and self.detail_after is not None
        if measured and self.detail_after >= MAX_DETAIL_LEFT * self.detail_before:
            found.append(
                f"facial detail survived: Laplacian variance {self.detail_after:.1f} vs "
                f"{self.detail_before:.1f} in the original"
            )
        return found

    def describe(self) -> str:
        return (
            f"{self.source}: {self.shape[1]}×{self.shape[0]}, detections >= 0.5 {self.detections}, "
            f"frame {self.frame_index} (mse {self.match_mse:.0f}), original face score "
            f"{self.original_face_score}, detail {self.detail_before} → {self.detail_after}, "
            f"plate read {self.plate_read!r} (readable before: {self.plate_read_before})"
        )


def _small_grey(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, (160, 90), interpolation=cv2.INTER_AREA).astype(np.float32)


def _laplacian_variance(image: np.ndarray, box: dict) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    region = grey[box["y"] : box["y"] + box["h"], box["x"] : box["x"] + box["w"]]
    return float(cv2.Laplacian(region, cv2.CV_32F).var())


class FaceCheck:
    """Examines received pictures against one demo stream (``demo_media.streams[name]``)."""

    def __init__(self, stream, *, plate_text: str = "") -> None:
        """``plate_text``: the scene's plate; when given, every picture is also read by PP-OCR
        (the plate's box in the matched frame, and the whole picture) for its characters."""
        self.plate_text = plate_text
        self.truth = json.loads((stream.frames_dir / "truth.json").read_text())
        self.frames = [
            cv2.imread(str(stream.frames_dir / f"{t['index']:05d}.jpg")) for t in self.truth
        ]
        self.thumbnails = np.stack([_small_grey(frame) for frame in self.frames])
        self.examined: list[Examined] = []
        self._seen: set[bytes] = set()
        self._original_scores: dict[int, float] = {}
        self._original_plates: dict[int, bool] = {}
        self._failed: list[tuple[Examined, np.ndarray]] = []

    @cached_property
    def detector(self):
        from privacy.detectors.centerface import CenterFaceDetector

        return CenterFaceDetector()

    def _detections(self, image: np.ndarray, original: np.ndarray | None):
        """Detections from 0.5, each with the share of detail its box kept vs ``original``."""
        found = []
        for detection in self.detector.detect([image])[0]:
            if detection.score < FACE_FOUND:
                continue
            x1, y1, x2, y2 = (int(round(v)) for v in detection.box)
            box = {"x": max(0, x1), "y": max(0, y1), "w": max(1, x2 - x1), "h": max(1, y2 - y1)}
            left = None
            if original is not None and image.shape == original.shape:
                before = _laplacian_variance(original, box)
                left = round(_laplacian_variance(image, box) / before, 3) if before else None
            found.append((round(float(detection.score), 3), (x1, y1, x2, y2), left))
        return found

    def _original_face_score(self, index: int) -> float:
        if index not in self._original_scores:
            face = self.truth[index]["faces"][0]
            box = (face["x"], face["y"], face["x"] + face["w"], face["y"] + face["h"])
            detections = self.detector.detect([self.frames[index]])[0]
            self._original_scores[index] = max(
                (d.score for d in detections if box_iou(d.box, box) > 0.3), default=0.0
            )
        return self._original_scores[index]

    def decode(self, data: bytes) -> np.ndarray | None:
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)

    def examine_bytes(self, data: bytes, source: str) -> Examined | None:
        """Decode a still picture (JPEG/PNG) and examine it; None when seen or undecodable."""
        import hashlib

        digest = hashlib.sha256(data).digest()
        if digest in self._seen:
            return None
        self._seen.add(digest)
        image = self.decode(data)
        if image is None:
            raise AssertionError(f"{source}: not a decodable picture ({len(data)} bytes)")
        return self.examine(image, source)

    def save_problems(self, directory) -> list[str]:
        """Write each picture that failed a check to ``directory`` (a test artefact)."""
        directory.mkdir(exist_ok=True)
        written = []
        for number, (record, image) in enumerate(self._failed):
            path = directory / f"not-anonymised-{number:02d}.jpg"
            cv2.imwrite(str(path), image)
            written.append(f"{path}: {record.source}")
        return written

    def examine(self, image: np.ndarray, source: str) -> Examined:
        height, width = self.frames[0].shape[:2]
        scene_sized = (
            image
            if image.shape[:2] == (height, width)
            else cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        )
        errors = np.mean((self.thumbnails - _small_grey(scene_sized)) ** 2, axis=(1, 2))
        index = int(np.argmin(errors))
        mse = float(errors[index])
        original = self.frames[index] if mse <= MATCH_MSE else None
        detections = self._detections(scene_sized, original)
        record = Examined(
            source=source,
            shape=image.shape,
            face_score=max((d[0] for d in detections), default=0.0),
            detections=detections,
            frame_index=index if mse <= MATCH_MSE else None,
            match_mse=mse,
            original_face_score=None,
            detail_before=None,
            detail_after=None,
        )
        if self.plate_text:
            self._read_plates(
                record, scene_sized, index if record.frame_index is not None else None
            )
        faces = self.truth[index]["faces"] if record.frame_index is not None else []
        if faces and faces[0]["w"] >= MIN_FACE_WIDTH:
            record.original_face_score = round(self._original_face_score(index), 3)
            record.detail_before = round(_laplacian_variance(self.frames[index], faces[0]), 1)
            record.detail_after = round(_laplacian_variance(scene_sized, faces[0]), 1)
        self.examined.append(record)
        if record.problems():
            self._failed.append((record, image))
        return record

    def _read_plates(self, record: Examined, image: np.ndarray, index: int | None) -> None:
        from tests.fixtures.plate_ocr import picture_reading, plate_reading

        # Where the picture matches no scene frame, the plate could be anywhere: read it all
        # (text detection first, ~10x the cost of reading a known box).
        readings = [picture_reading(image, self.plate_text)] if index is None else []
        for plate in self.truth[index]["plates"] if index is not None else []:
            box = (plate["x"], plate["y"], plate["x"] + plate["w"], plate["y"] + plate["h"])
            readings.append(plate_reading(image, box, self.plate_text))
            if index not in self._original_plates:
                self._original_plates[index] = plate_reading(
                    self.frames[index], box, self.plate_text
                ).readable
            record.plate_read_before |= self._original_plates[index]
        record.plate_read = next((r.run for r in readings if r.readable), "")

    @property
    def plate_bearing(self) -> list[Examined]:
        """Pictures whose original frame had a plate PP-OCR reads."""
        return [record for record in self.examined if record.plate_read_before]

    def examine_video(self, data: bytes, source: str, *, every: int = 2) -> list[Examined]:
        """Every ``every``-th frame of an mp4 clip."""
        import hashlib
        import tempfile

        digest = hashlib.sha256(data).digest()
        if digest in self._seen:
            return []
        self._seen.add(digest)
        records = []
        with tempfile.NamedTemporaryFile(suffix=".mp4") as file:
            file.write(data)
            file.flush()
            capture = cv2.VideoCapture(file.name)
            index = 0
            try:
                while True:
                    ok, image = capture.read()
                    if not ok:
                        break
                    if index % every == 0:
                        records.append(self.examine(image, f"{source}#frame{index}"))
                    index += 1
            finally:
                capture.release()
        if not records:
            raise AssertionError(f"{source}: no frame could be decoded ({len(data)} bytes)")
        return records

    @property
    def face_bearing(self) -> list[Examined]:
        return [record for record in self.examined if record.face_bearing]

    def problems(self) -> list[str]:
        return [
            f"{record.describe()}: {'; '.join(record.problems())}"
            for record in self.examined
            if record.problems()
        ]


def jpegs_in_multipart(data: bytes, limit: int) -> list[bytes]:
    """The first ``limit`` complete parts of an MJPEG (``multipart/x-mixed-replace``) body,
    read by each part's ``Content-Length``."""
    import re

    parts = []
    for match in re.finditer(rb"Content-Length:\s*(\d+)\r\n\r\n", data, flags=re.IGNORECASE):
        start, length = match.end(), int(match.group(1))
        if start + length > len(data):
            break
        parts.append(data[start : start + length])
        if len(parts) >= limit:
            break
    return parts
