"""The plate-region network: a small fully convolutional encoder-decoder that paints a plate
probability map at a quarter of the input resolution (stride 4).

Depthwise-separable convolutions all the way; the encoder goes down to stride 16 for context
(is this text on a car, with a plate's border and proportions?) and the decoder comes back up
to stride 4 so plates 20 px wide at the input still cover several cells. Input: RGB float in
0..1, any height and width divisible by 16. Output: logits, shape (N, 1, H/4, W/4).
"""

from __future__ import annotations

from torch import nn
from torch.nn import functional as F


def _conv_bn(cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SeparableBlock(nn.Module):
    """Depthwise k x k (optionally strided), then pointwise 1 x 1; residual when shapes match."""

    def __init__(self, cin: int, cout: int, *, stride: int = 1, kernel: int = 3) -> None:
        super().__init__()
        self.depthwise = _conv_bn(cin, cin, kernel, stride, groups=cin)
        self.pointwise = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.pointwise(self.depthwise(x))
        return F.relu(y + x if self.residual else y)


class PlateNet(nn.Module):
    def __init__(self, width: int = 16) -> None:
        super().__init__()
        c2, c4, c8, c16 = width, width + 8, width * 3, width * 4
        self.stem = _conv_bn(3, c2, 3, 2)  # /2
        self.down4 = SeparableBlock(c2, c4, stride=2)  # /4
        self.block4 = SeparableBlock(c4, c4)
        self.down8 = SeparableBlock(c4, c8, stride=2, kernel=5)  # /8
        self.block8 = nn.Sequential(SeparableBlock(c8, c8, kernel=5), SeparableBlock(c8, c8))
        self.down16 = SeparableBlock(c8, c16, stride=2, kernel=5)  # /16
        self.block16 = nn.Sequential(
            SeparableBlock(c16, c16, kernel=5), SeparableBlock(c16, c16, kernel=5)
        )
        self.lateral16 = nn.Conv2d(c16, c8, 1)
        self.fuse8 = SeparableBlock(c8, c8)
        self.lateral8 = nn.Conv2d(c8, c4, 1)
        self.fuse4 = SeparableBlock(c4, c4)
        self.head = nn.Conv2d(c4, 1, 1)
        nn.init.constant_(self.head.bias, -4.0)  # plates are rare: start from "no plate"

    def forward(self, x):
        x4 = self.block4(self.down4(self.stem(x)))
        x8 = self.block8(self.down8(x4))
        x16 = self.block16(self.down16(x8))
        y8 = self.fuse8(x8 + F.interpolate(self.lateral16(x16), scale_factor=2.0, mode="nearest"))
        y4 = self.fuse4(x4 + F.interpolate(self.lateral8(y8), scale_factor=2.0, mode="nearest"))
        return self.head(y4)
