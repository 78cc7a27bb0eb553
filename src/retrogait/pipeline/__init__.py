"""Per-sensor gait pipeline: timed samples of one foot sensor -> gait events.

The interface the flow uses (see :mod:`retrogait.session`)::

    pipe = SensorPipeline(sensor_info, params)
    events = pipe.process(timed_block)   # any block size, in time order
    events += pipe.finish()              # end of stream
"""

from retrogait.pipeline.sensor import PipelineParams, SensorPipeline

__all__ = ["PipelineParams", "SensorPipeline"]
