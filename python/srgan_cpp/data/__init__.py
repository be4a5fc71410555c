"""Data for super-resolution: the bundled sample photographs (more to come: datasets, degradations)."""
from .bundled import bundled_images

__all__ = ["bundled_images"]
