import sys

from recognition.cli import main

sys.exit(main())
