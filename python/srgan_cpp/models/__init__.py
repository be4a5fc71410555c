"""Model classes written in C++ (``torch::nn``) and exposed as genuine ``torch.nn.Module``s."""
from ._cpp_module import CppModule
from .hetsrwgan import DenseResidualBlock, HetResidualBlock
from .io import load_state_dict_file, save_state_dict
from .srcnn import SRCNN
from .msrresnet import MSRResNet
from .rrdbnet import RRDBNet
from .srvgg import SRVGGNetCompact
from .edsr import EDSR
from .loader import interpolate, load
from .hetsrwgan_gan import DenseHetSRWGANGenerator, HetSRWGANCritic, HetSRWGANGenerator
from .psrgan import PSRGANGenerator
from .transfer import TransferReport, freeze, load_partial, unfreeze

__all__ = ["CppModule", "SRCNN", "HetResidualBlock", "DenseResidualBlock", "save_state_dict", "load_state_dict_file",
           "MSRResNet", "RRDBNet", "SRVGGNetCompact", "EDSR", "load", "interpolate"]
__all__ += ["HetSRWGANGenerator", "HetSRWGANCritic", "DenseHetSRWGANGenerator", "PSRGANGenerator", "load_partial",
            "freeze", "unfreeze", "TransferReport"]
from .vgg_discriminator import SRGANDiscriminator, VGGDiscriminator96, VGGStyleDiscriminator
from .unet_discriminator import UNetDiscriminatorSN
__all__ += ["VGGStyleDiscriminator", "UNetDiscriminatorSN", "VGGDiscriminator96", "SRGANDiscriminator"]
from .saving import save
__all__ += ["save"]
