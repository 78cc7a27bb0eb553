"""Cross-sensor fusion: combine per-sensor events (both feet) into steps, cadence and balance."""

from retrogait.fusion.bilateral import Fusion, FusionParams

__all__ = ["Fusion", "FusionParams"]
