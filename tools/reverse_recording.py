"""Write the time-reversed backward-gait proxy of an imported recording and its truth.

    python tools/reverse_recording.py IN.jsonl.gz OUT.jsonl.gz

acc'(t) = acc(T−t), gyr'(t) = −gyr(T−t); landings = reversed toe-offs (see
``docs/pipeline.md`` and :func:`retrogait.evaluate.reverse_recording`).
"""

import sys
from pathlib import Path

from retrogait.evaluate import reverse_recording


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    truth = reverse_recording(Path(argv[0]), Path(argv[1]))
    print(f"wrote {argv[1]}" + (" and its truth" if truth else " (no truth beside the input)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
