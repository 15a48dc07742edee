import sys

from busplan.cli import main

sys.exit(main())
