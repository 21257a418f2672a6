"""``python -m fusionzoo.cards``: rewrite the generated sections of the model cards and of README.md."""

import sys

from . import main

sys.exit(main())
