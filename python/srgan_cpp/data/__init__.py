"""Data for super-resolution: MATLAB-exact resizing, degradations, datasets, image files and
the bundled sample photographs."""
from .bundled import bundled_images
from ..image import to_tensor
from .datasets import (BenchmarkDataset, HRFolderDataset, PairedFolderDataset, SRDataset, augment,
                       find_benchmark_layout, match_pairs, modcrop, paired_random_crop)
from .degradations import (Degradation, add_gaussian_noise, bicubic_downsample, blur_downsample, gaussian_blur,
                           gaussian_kernel, jpeg_compress, nearest_downsample)
from .files import list_images, read_image, write_image
from .resize import imresize, resize_matrix, resize_weights
from .texture import TextureSampling, texture_level

__all__ = ["BenchmarkDataset", "Degradation", "HRFolderDataset", "PairedFolderDataset", "SRDataset",
           "TextureSampling", "add_gaussian_noise", "augment", "bicubic_downsample", "blur_downsample",
           "bundled_images", "find_benchmark_layout", "gaussian_blur", "gaussian_kernel", "imresize",
           "jpeg_compress", "list_images", "match_pairs", "modcrop", "nearest_downsample",
           "paired_random_crop", "read_image", "resize_matrix", "resize_weights", "texture_level",
           "to_tensor", "write_image"]
