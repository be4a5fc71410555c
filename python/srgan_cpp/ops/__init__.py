"""Fused custom ops, registered with the PyTorch dispatcher as ``torch.ops.srgan_cpp.*``.

Each op has CPU and CUDA kernels, autograd, and a fake kernel, so it works in eager mode,
under AMP and inside ``torch.compile(fullgraph=True)``.
"""
from .channel_attention import channel_attention
from .gradient_cosine import gradient_cosine_loss
from .het_conv import het_conv2d, het_conv2d_from_dense, het_conv2d_to_dense
from .lista_shrinkage import lista_shrinkage
from .pixel_attention import pixel_attention
from .pixel_shuffle import fused_pixel_shuffle, pixel_shuffle, pixel_unshuffle
from .ragan import ragan_loss

__all__ = ["channel_attention", "fused_pixel_shuffle", "gradient_cosine_loss", "het_conv2d", "het_conv2d_from_dense",
           "het_conv2d_to_dense", "lista_shrinkage", "pixel_attention", "pixel_shuffle", "pixel_unshuffle", "ragan_loss"]
