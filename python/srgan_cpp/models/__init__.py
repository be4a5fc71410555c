"""Model classes written in C++ (``torch::nn``) and exposed as genuine ``torch.nn.Module``s."""
from ._cpp_module import CppModule
from .hetsrwgan import DenseResidualBlock, HetResidualBlock
from .io import load_state_dict_file, save_state_dict
from .srcnn import SRCNN

__all__ = ["CppModule", "SRCNN", "HetResidualBlock", "DenseResidualBlock", "save_state_dict", "load_state_dict_file"]
