"""Correct ResNet blocks (PyTorch) that the checks of `ResNet` put in place of the student's, so that those checks
never depend on the student's blocks. Trusted side: classgrade's sandbox does not mount this folder; the checks send
this module's source to the kernel when a check first needs it (`remote.Link`), after the student's block cells
have been graded."""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn


# --- reference blocks (correct implementations of the contract) ----------------------------------------------------

def _projection(in_channels, out_channels, stride):
    """The shortcut's 1x1 convolution and batch norm where the shape changes, else (None, None): the identity."""
    if stride == 1 and in_channels == out_channels:
        return None, None
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)


def _shortcut(block, x):
    return x if block.shortcut_conv is None else block.shortcut_bn(block.shortcut_conv(x))


class ReferenceBasicBlock(nn.Module):
    """A correct BasicBlock, patched in where a check must not depend on the student's."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.spec = (in_channels, out_channels, stride)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut_conv, self.shortcut_bn = _projection(in_channels, out_channels, stride)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + _shortcut(self, x))


class ReferenceBottleneck(nn.Module):
    """A correct Bottleneck (expansion 4), patched in where a check must not depend on the student's."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        if out_channels % 4:
            raise ValueError("out_channels must be divisible by 4")
        width = out_channels // 4
        self.spec = (in_channels, out_channels, stride)
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.shortcut_conv, self.shortcut_bn = _projection(in_channels, out_channels, stride)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return F.relu(h + _shortcut(self, x))


REFERENCE_BLOCKS = {"basic": ReferenceBasicBlock, "bottleneck": ReferenceBottleneck}
