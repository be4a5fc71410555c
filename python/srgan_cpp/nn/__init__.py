"""torch.nn.Modules: thin ones over srgan_cpp.ops, and single C++ layers (csrc/nn)."""
from .attention import ChannelAttention, PixelAttention, SpatialAttention
from .het_conv import HetConv2d
from .layers import BatchNorm2d, Linear, SpectralNormConv2d
from .pixel_shuffle import ConvPixelShuffle, FusedPixelShuffle, PixelShuffle, PixelUnshuffle
from .upsampler import Upsampler
from . import winograd

__all__ = ["BatchNorm2d", "ChannelAttention", "ConvPixelShuffle", "FusedPixelShuffle", "HetConv2d", "Linear", "PixelAttention",
           "PixelShuffle", "PixelUnshuffle", "SpatialAttention", "SpectralNormConv2d", "Upsampler", "winograd"]
