"""retrogait: a real-time gait monitor for backward (retro) running from BLE foot IMUs.

Data flow (one home per stage)::

    sources/    BLE or recording replay  -> Notification / DecodedSamples records
    decoders/   firmware-profile decoders -> SampleBlock (SI units, sensor clock)
    timing/     sensor clock -> recording time base, gap detection
    pipeline/   per-sensor gait pipeline  -> landing / stride / activity events
    fusion/     cross-sensor fusion       -> steps, flight time, cadence, balance
    sinks/      console, JSON Lines file, MQTT
"""

__version__ = "0.1.0"
