"""Super-resolution training losses that drop into any PyTorch loop.

Pixel: ``L1Loss``, ``MSELoss``, ``CharbonnierLoss``, ``TVLoss`` (reduction + per-pixel weight).
Gradient: ``GradientCosineLoss`` (fused op, HetSRWGAN).
Adversarial: ``GANLoss`` (vanilla, lsgan, wgan, wgan_softplus, hinge),
``RelativisticAverageGANLoss`` (fused op, ESRGAN), ``gradient_penalty`` (WGAN-GP),
``r1_penalty``.
Perceptual: ``PerceptualLoss`` over ``VGGFeatureExtractor`` (VGG16/19, weights from a file).
"""
from .adversarial import GANLoss, RelativisticAverageGANLoss, gan_loss
from .gradient_cosine import GradientCosineLoss
from .penalties import gradient_penalty, r1_penalty
from .perceptual import PerceptualLoss, gram_matrix
from .pixel import (CharbonnierLoss, L1Loss, MSELoss, TVLoss, charbonnier_loss, l1_loss, mse_loss,
                    total_variation_loss)
from .vgg import VGGFeatureExtractor, layer_names, read_weights_file, save_random_vgg

__all__ = ["CharbonnierLoss", "GANLoss", "GradientCosineLoss", "L1Loss", "MSELoss", "PerceptualLoss",
           "RelativisticAverageGANLoss", "TVLoss", "VGGFeatureExtractor", "charbonnier_loss", "gan_loss",
           "gradient_penalty", "gram_matrix", "l1_loss", "layer_names", "mse_loss", "r1_penalty", "read_weights_file",
           "save_random_vgg", "total_variation_loss"]
