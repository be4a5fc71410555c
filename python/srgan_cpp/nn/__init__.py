"""Thin torch.nn.Modules over srgan_cpp.ops."""
from .attention import ChannelAttention, PixelAttention, SpatialAttention
from .het_conv import HetConv2d
from .pixel_shuffle import ConvPixelShuffle, FusedPixelShuffle, PixelShuffle, PixelUnshuffle

__all__ = ["HetConv2d", "PixelShuffle", "PixelUnshuffle", "FusedPixelShuffle", "ConvPixelShuffle", "ChannelAttention",
           "PixelAttention", "SpatialAttention"]
