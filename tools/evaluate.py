"""Score gait events against ground truth: thin wrapper of ``retrogait evaluate``.

    python tools/evaluate.py RECORDING... [--truth FILE] [--events FILE] [--json]
"""

import sys

from retrogait.cli import main

if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
