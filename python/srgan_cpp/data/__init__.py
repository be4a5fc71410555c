from .resize import imresize, resize_matrix, resize_weights

__all__ = ["imresize", "resize_weights", "resize_matrix"]
