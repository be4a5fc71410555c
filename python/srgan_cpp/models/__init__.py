"""Model classes written in C++ (``torch::nn``) and exposed as genuine ``torch.nn.Module``s,
the architecture registry, checkpoint loading (``load``) and saving (``save``), ``describe``
transfer-learning helpers and the models shipped with the package (``pretrained``).

Importing this package registers every built-in architecture (each module registers its
own classes in :mod:`.registry`)."""
from .._cpp_module import CppModule
from . import registry
from .checkpoint import load_state_dict_file, save, save_state_dict
from .description import ModelDescription, describe
from .drcn import DRCN, drcn_loss
from .drrn import DRRN
from .edsr import EDSR
from .fsrcnn import FSRCNN
from .het_residual_block import DenseResidualBlock, HetResidualBlock
from .hetsrwgan import DenseHetSRWGANGenerator, HetSRWGANCritic, HetSRWGANGenerator
from .lapsrn import LapSRN, lapsrn_loss
from .loader import interpolate, load
from .msrresnet import MSRResNet
from .pan import PAN
from .psrgan import PSRGANGenerator
from .rcan import RCAN
from .rdn import RDN
from .rrdbnet import RRDBNet
from .scn import SCN
from .shipped import UnknownModelError, default_model, model_card, pretrained, pretrained_names
from .srcnn import SRCNN
from .srvgg import SRVGGNetCompact
from .transfer import TransferReport, freeze, gray_state_dict, load_partial, unfreeze, widen_state_dict
from .unet_discriminator import UNetDiscriminatorSN
from .vdsr import VDSR
from .vgg_discriminator import SRGANDiscriminator, VGGDiscriminator96, VGGStyleDiscriminator

__all__ = ["CppModule", "DRCN", "DRRN", "DenseHetSRWGANGenerator", "DenseResidualBlock", "EDSR", "FSRCNN",
           "HetResidualBlock", "HetSRWGANCritic", "HetSRWGANGenerator", "LapSRN", "MSRResNet", "ModelDescription",
           "PAN", "PSRGANGenerator", "RCAN", "RDN", "RRDBNet", "SCN", "SRCNN", "SRGANDiscriminator",
           "SRVGGNetCompact", "TransferReport", "UNetDiscriminatorSN", "UnknownModelError", "VDSR",
           "VGGDiscriminator96", "VGGStyleDiscriminator", "default_model", "describe", "drcn_loss", "freeze",
           "gray_state_dict", "interpolate", "lapsrn_loss", "load", "load_partial", "load_state_dict_file",
           "model_card", "pretrained", "pretrained_names", "registry", "save", "save_state_dict", "unfreeze",
           "widen_state_dict"]
