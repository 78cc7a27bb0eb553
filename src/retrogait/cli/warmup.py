"""Make the gait pipeline's compiled loops ready before a stream starts, and say so when that
means compiling them (the first run after installing)."""

from __future__ import annotations

import sys
import threading

from retrogait.pipeline import warm_up


def warm_up_pipeline() -> None:
    """Load the pipeline's compiled loops; on the first run after installing they are compiled
    (~20 s on this project's 2-core test machine, longer on a Raspberry Pi): a notice on
    stderr when it takes more than a second."""
    notice = threading.Timer(1.0, print, ("retrogait: compiling the gait pipeline (first run "
                                          "after installing, once) ...",),
                             {"file": sys.stderr, "flush": True})
    notice.daemon = True
    notice.start()
    took = warm_up()
    notice.cancel()
    if took > 1.0:
        print(f"retrogait: gait pipeline compiled in {took:.0f} s", file=sys.stderr)
