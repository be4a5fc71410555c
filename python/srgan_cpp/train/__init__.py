"""The training engine: every SR-GAN of the project's family with one command.

    from srgan_cpp.train import Trainer, load_config, recipes
    config = load_config("recipe:esrgan_tiny", overrides=["stages.gan.iterations=50"])
    result = Trainer(config, out_dir="runs/esrgan_tiny").fit()

* :func:`load_config` reads srgan_cpp's YAML/JSON format, BasicSR's option files, or a
  shipped recipe (:mod:`srgan_cpp.train.recipes`), applies ``key.path=value`` overrides
  and checks everything against typed definitions (:mod:`.config`).
* :class:`Trainer` runs the stages (PSNR, GAN, transfer learning, ...), resumes exactly
  from checkpoints, scales out with torchrun, and reports (JSON lines, TensorBoard, tqdm,
  PNG grids and curves). :class:`Hook` subclasses see every step.

The command line is ``srgan-cpp train`` (see docs/training.md).
"""
from . import recipes
from .config import TrainConfig
from .errors import ConfigError, TrainingError
from .hooks import Hook, StepInfo
from .loading import load_config
from .trainer import Trainer, TrainResult

__all__ = ["Trainer", "TrainResult", "TrainConfig", "load_config", "recipes", "Hook", "StepInfo", "ConfigError",
           "TrainingError"]
