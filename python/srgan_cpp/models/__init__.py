"""Model classes written in C++ (``torch::nn``) and exposed as genuine ``torch.nn.Module``s,
the architecture registry, checkpoint loading (``load``) and saving (``save``), ``describe``
and transfer-learning helpers.

Importing this package registers every built-in architecture (each module registers its
own classes in :mod:`.registry`)."""
from . import registry
from ._cpp_module import CppModule
from .checkpoint import load_state_dict_file, save, save_state_dict
from .description import ModelDescription, describe
from .drrn import DRRN
from .edsr import EDSR
from .hetsrwgan import DenseResidualBlock, HetResidualBlock
from .hetsrwgan_gan import DenseHetSRWGANGenerator, HetSRWGANCritic, HetSRWGANGenerator
from .loader import interpolate, load
from .msrresnet import MSRResNet
from .pan import PAN
from .psrgan import PSRGANGenerator
from .rcan import RCAN
from .rdn import RDN
from .rrdbnet import RRDBNet
from .srcnn import SRCNN
from .srvgg import SRVGGNetCompact
from .transfer import TransferReport, freeze, load_partial, unfreeze
from .unet_discriminator import UNetDiscriminatorSN
from .vgg_discriminator import SRGANDiscriminator, VGGDiscriminator96, VGGStyleDiscriminator

__all__ = ["CppModule", "DRRN", "DenseHetSRWGANGenerator", "DenseResidualBlock", "EDSR", "HetResidualBlock", "HetSRWGANCritic",
           "HetSRWGANGenerator", "MSRResNet", "ModelDescription", "PAN", "PSRGANGenerator", "RCAN", "RDN", "RRDBNet", "SRCNN",
           "SRGANDiscriminator", "SRVGGNetCompact", "TransferReport", "UNetDiscriminatorSN", "VGGDiscriminator96",
           "VGGStyleDiscriminator", "describe", "freeze", "interpolate", "load", "load_partial",
           "load_state_dict_file", "registry", "save", "save_state_dict", "unfreeze"]
