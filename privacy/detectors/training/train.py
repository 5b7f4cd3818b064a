"""Build the synthetic pool, train ``PlateNet`` on it, export ``plates.onnx``.

    python -m privacy.detectors.training.train pool  --out /tmp/plates-pool --count 6000
    python -m privacy.detectors.training.train fit   --pool /tmp/plates-pool --minutes 25
    python -m privacy.detectors.training.train export --checkpoint /tmp/plates-pool/net.pt

See README.md next to this file for the exact recipe behind the shipped weights.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from privacy.detectors.training import sources

CROP = 160  # training crops are cut at random from the 256 x 256 pool images
STRIDE = 4
WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "plates.onnx"


def build_pool(out: Path, *, count: int, seed: int, part: int = 0, hard: bool = False) -> None:
    """``count`` synthetic samples in ``out/images-<part>.npy`` and ``out/masks-<part>.npy``."""
    from privacy.detectors.training.scenery import training_sample

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, part])
    images = np.lib.format.open_memmap(
        out / f"images-{part}.npy", mode="w+", dtype=np.uint8, shape=(count, 256, 256, 3)
    )
    masks = np.lib.format.open_memmap(
        out / f"masks-{part}.npy", mode="w+", dtype=np.uint8, shape=(count, 256, 256)
    )
    started = time.monotonic()
    for index in range(count):
        images[index], masks[index] = training_sample(rng, size=256, hard=hard)
        if index % 500 == 0:
            print(f"{index}/{count} samples, {time.monotonic() - started:.0f} s", flush=True)
    images.flush()
    masks.flush()


class _Pool:
    """The pool's parts as memory maps (a pool may still be growing while training: rows not
    written yet are all zeros and left out until ``refresh``)."""

    def __init__(self, path: Path) -> None:
        self.images = [np.load(p, mmap_mode="r") for p in sorted(path.glob("images-*.npy"))]
        self.masks = [np.load(p, mmap_mode="r") for p in sorted(path.glob("masks-*.npy"))]
        self.refresh()

    def refresh(self) -> None:
        self.rows = [
            (part, row)
            for part, images in enumerate(self.images)
            for row in np.flatnonzero(images[:, ::16, ::16].reshape(len(images), -1).any(axis=1))
        ]

    def __len__(self) -> int:
        return len(self.rows)


def _batches(pool: _Pool, rng, batch: int):
    """Random crops with flips; targets max-pooled to the output stride (any plate pixel in a
    cell makes the cell a plate cell, so the smallest plates keep a target)."""
    import torch
    import torch.nn.functional as F

    step = 0
    while True:
        step += 1
        if step % 200 == 0:
            pool.refresh()
        picks = [pool.rows[k] for k in rng.integers(0, len(pool), batch)]
        xs, ys = rng.integers(0, 256 - CROP + 1, (2, batch))
        x = np.stack([pool.images[part][row, y : y + CROP, xx : xx + CROP]
                      for (part, row), xx, y in zip(picks, xs, ys, strict=True)])  # fmt: skip
        m = np.stack([pool.masks[part][row, y : y + CROP, xx : xx + CROP]
                      for (part, row), xx, y in zip(picks, xs, ys, strict=True)])  # fmt: skip
        if rng.random() < 0.5:  # mirror (plate text need not be readable to be a plate)
            x, m = x[:, :, ::-1], m[:, :, ::-1]
        x = torch.from_numpy(np.ascontiguousarray(x[..., ::-1])).permute(0, 3, 1, 2).float() / 255
        m = torch.from_numpy(np.ascontiguousarray(m)).float()[:, None]
        yield x, F.max_pool2d(m, STRIDE)


def fit(
    pool: Path,
    *,
    minutes: float,
    seed: int,
    batch: int,
    threads: int,
    resume: Path | None = None,
    peak_lr: float = 3e-3,
) -> Path:
    import torch
    import torch.nn.functional as F

    from privacy.detectors.training.model import PlateNet

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    samples = _Pool(pool)
    print(f"{len(samples)} pool samples written", flush=True)
    net = PlateNet()
    if resume:
        net.load_state_dict(torch.load(resume, map_location="cpu"))
    optimiser = torch.optim.AdamW(net.parameters(), lr=peak_lr, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + minutes * 60
    started, step, smooth = time.monotonic(), 0, None
    checkpoint = pool / "net.pt"
    for x, target in _batches(samples, rng, batch):
        progress = (time.monotonic() - started) / (minutes * 60)
        if progress >= 1:
            break
        for group in optimiser.param_groups:  # warm-up, then cosine to 2 % of the peak
            group["lr"] = (
                peak_lr
                * min(1.0, step / 100)
                * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * progress)))
            )
        logits = net(x)
        bce = F.binary_cross_entropy_with_logits(
            logits, target, pos_weight=torch.tensor(3.0), reduction="mean"
        )
        prob = torch.sigmoid(logits)
        dice = 1 - (2 * (prob * target).sum() + 1) / (prob.sum() + target.sum() + 1)
        loss = bce + 0.5 * dice
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        smooth = loss.item() if smooth is None else 0.98 * smooth + 0.02 * loss.item()
        step += 1
        if step % 100 == 0:
            print(f"step {step} loss {smooth:.4f} ({time.monotonic() - started:.0f} s)", flush=True)
            torch.save(net.state_dict(), checkpoint)
        if time.monotonic() > deadline:
            break
    torch.save(net.state_dict(), checkpoint)
    print(f"done: {step} steps in {time.monotonic() - started:.0f} s -> {checkpoint}", flush=True)
    return checkpoint


def export(checkpoint: Path, out: Path = WEIGHTS) -> Path:
    """ONNX with a dynamic batch, height and width; BatchNorm folded by the exporter."""
    import torch

    from privacy.detectors.training.model import PlateNet

    net = PlateNet()
    net.load_state_dict(torch.load(checkpoint, map_location="cpu"))
    net.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        net,
        torch.zeros(1, 3, 368, 640),
        str(out),
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}, "logits": {0: "n", 2: "h4", 3: "w4"}},
        opset_version=17,
        dynamo=False,
        do_constant_folding=True,
    )
    print(f"{out}: {out.stat().st_size / 1024:.0f} KiB")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pool")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--count", type=int, default=6000)
    p.add_argument("--part", type=int, default=0)
    p.add_argument("--seed", type=int, default=sources.TRAIN_SEED)
    p.add_argument("--hard", action="store_true", help="look-alike-rich samples")
    f = sub.add_parser("fit")
    f.add_argument("--pool", type=Path, required=True)
    f.add_argument("--minutes", type=float, default=25)
    f.add_argument("--batch", type=int, default=12)
    f.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    f.add_argument("--seed", type=int, default=sources.TRAIN_SEED)
    f.add_argument("--resume", type=Path, default=None, help="continue from a checkpoint")
    f.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    e = sub.add_parser("export")
    e.add_argument("--checkpoint", type=Path, required=True)
    e.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    if args.command == "pool":
        build_pool(args.out, count=args.count, seed=args.seed, part=args.part, hard=args.hard)
    elif args.command == "fit":
        fit(
            args.pool,
            minutes=args.minutes,
            seed=args.seed,
            batch=args.batch,
            threads=args.threads,
            resume=args.resume,
            peak_lr=args.lr,
        )
    else:
        export(args.checkpoint, args.out)


if __name__ == "__main__":
    main()
