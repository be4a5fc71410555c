"""Thin torch.nn.Modules over srgan_cpp.ops."""
from .het_conv import HetConv2d
from .pixel_shuffle import ConvPixelShuffle, FusedPixelShuffle, PixelShuffle, PixelUnshuffle
from .upsampler import Upsampler

__all__ = ["HetConv2d", "PixelShuffle", "PixelUnshuffle", "FusedPixelShuffle", "ConvPixelShuffle", "Upsampler"]
