"""``python -m srgan_cpp``: the ``srgan-cpp`` command line."""
import sys

from .cli import main

sys.exit(main())
