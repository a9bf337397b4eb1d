import sys

from orus.cli import main

sys.exit(main())
