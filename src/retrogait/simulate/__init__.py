"""Physically grounded simulator of foot-mounted IMU recordings with exact ground truth.

``scenario segments -> gait plan (steps, stances) -> rigid-foot kinematics -> IMU signals ->
firmware-profile packets -> BLE timing -> recording`` and ``NAME.truth.json`` beside it.
See ``docs/simulator.md`` for the model, its sources and its limits.
"""

from retrogait.simulate.gait import (
    BACKWARD_RUN,
    BACKWARD_WALK,
    FORWARD_RUN_FOREFOOT,
    FORWARD_RUN_MIDFOOT,
    FORWARD_RUN_REARFOOT,
    FORWARD_WALK,
    STYLES,
    Fidget,
    GaitPlan,
    GaitStyle,
    Locomotion,
    Still,
    plan_gait,
)
from retrogait.simulate.imu import ImuErrors, Placement, ideal_signals, make_placement
from retrogait.simulate.scenarios import SCENARIOS, Scenario, get_scenario
from retrogait.simulate.simulator import (
    SimConfig,
    SimulatedSensor,
    Simulation,
    make_config,
    simulate,
    simulate_to_file,
    write_simulation,
)

__all__ = [
    "BACKWARD_RUN",
    "BACKWARD_WALK",
    "FORWARD_RUN_FOREFOOT",
    "FORWARD_RUN_MIDFOOT",
    "FORWARD_RUN_REARFOOT",
    "FORWARD_WALK",
    "SCENARIOS",
    "STYLES",
    "Fidget",
    "GaitPlan",
    "GaitStyle",
    "ImuErrors",
    "Locomotion",
    "Placement",
    "Scenario",
    "SimConfig",
    "SimulatedSensor",
    "Simulation",
    "Still",
    "get_scenario",
    "ideal_signals",
    "make_config",
    "make_placement",
    "plan_gait",
    "simulate",
    "simulate_to_file",
    "write_simulation",
]
