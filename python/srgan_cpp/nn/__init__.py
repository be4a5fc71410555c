"""Thin torch.nn.Modules over srgan_cpp.ops."""
from .pixel_shuffle import ConvPixelShuffle, FusedPixelShuffle, PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle", "FusedPixelShuffle", "ConvPixelShuffle"]
