"""Data for super-resolution: MATLAB-exact resizing, degradations, datasets, image files and
the bundled sample photographs."""
from .bundled import bundled_images
from .datasets import (BenchmarkDataset, HRFolderDataset, PairedFolderDataset, SRDataset, augment,
                       find_benchmark_layout, match_pairs, modcrop, paired_random_crop, to_tensor)
from .degradations import (Degradation, add_gaussian_noise, bicubic_downsample, blur_downsample, gaussian_blur,
                           gaussian_kernel, jpeg_compress, nearest_downsample)
from .files import list_images, read_image, write_image
from .resize import imresize, resize_matrix, resize_weights

__all__ = ["imresize", "resize_weights", "resize_matrix",
           "Degradation", "bicubic_downsample", "blur_downsample", "nearest_downsample", "gaussian_blur", "gaussian_kernel",
           "add_gaussian_noise", "jpeg_compress",
           "SRDataset", "PairedFolderDataset", "HRFolderDataset", "BenchmarkDataset", "find_benchmark_layout", "match_pairs",
           "modcrop", "paired_random_crop", "augment", "to_tensor",
           "read_image", "write_image", "list_images", "bundled_images"]
