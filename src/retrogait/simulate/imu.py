"""IMU signals from foot kinematics: specific force and angular rate in the sensor frame.

For a sensor at foot-frame point ``r`` with true sensor->foot rotation ``M`` (the declared
mounting times an unknown misalignment)::

    acc = M.T @ R.T @ (a_world + [0, 0, g])      m/s², reads +g on the up axis at rest
    gyr = M.T @ omega_foot_body                  deg/s

evaluated at ``oversample`` times the sample rate, passed through the sensor's anti-aliasing
low-pass (2nd-order Butterworth, causal, like a MEMS digital low-pass filter), decimated, then
corrupted by scale errors, biases (gyro bias wanders as a first-order Gauss-Markov process),
white noise, and saturated at the configured range. Quantisation is the encoder's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from retrogait.decoders.base import STANDARD_GRAVITY
from retrogait.mounting import Mounting
from retrogait.simulate.kinematics import FloatArray, FootTrajectory

GRAVITY_WORLD = np.array([0.0, 0.0, STANDARD_GRAVITY])


@dataclass(frozen=True)
class ImuErrors:
    """Sensor imperfections (1-sigma values unless said otherwise).

    Defaults are those of a cheap consumer MEMS IMU (BMI160/ICM-42688 class datasheets: acc noise
    ~180 µg/√Hz, gyro noise ~0.008 °/s/√Hz over ~80 Hz bandwidth; zero-rate offset up to a few
    °/s, acc zero-g offset tens of mg, sensitivity error ~1 %).
    """

    acc_noise_m_s2: float = 0.02
    gyr_noise_dps: float = 0.08
    acc_bias_m_s2: float = 0.08
    gyr_bias_dps: float = 0.5
    gyr_bias_wander_dps: float = 0.1
    gyr_bias_tau_s: float = 200.0
    acc_scale: float = 0.01
    gyr_scale: float = 0.01
    misalignment_deg: float = 3.0
    anti_alias: bool = True
    ringing: bool = True

    @classmethod
    def ideal(cls, anti_alias: bool = True) -> ImuErrors:
        """No noise, bias, scale error, misalignment or sensor ringing. The sole compression at
        landing is motion, not a sensor error, and stays; so does the anti-alias filter (a real
        sensor always band-limits; without it the landing transient aliases into the samples)."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 200.0, 0.0, 0.0, 0.0, anti_alias=anti_alias,
                   ringing=False)


@dataclass(frozen=True)
class Placement:
    """Where and how a sensor sits on the foot.

    position_m: sensor position in the foot frame (heel point at the origin), m.
    mounting: the declared mounting (what the recording header says).
    true_sensor_to_foot: the actual rotation (declared mounting and misalignment).
    """

    name: str
    position_m: FloatArray
    mounting: Mounting
    true_sensor_to_foot: FloatArray
    misalignment_deg: float


INSTEP_POSITION = (0.16, 0.0, 0.07)
LATERAL_POSITION = (0.11, 0.045, 0.035)  # y given for the left foot; mirrored for the right


def small_rotation(axis_angle: FloatArray) -> FloatArray:
    """Rotation matrix of a rotation vector (rad), Rodrigues."""
    angle = float(np.linalg.norm(axis_angle))
    if angle < 1e-15:
        return np.eye(3)
    k = axis_angle / angle
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * K + (1 - math.cos(angle)) * K @ K


def make_placement(
    kind: str, foot: str, misalignment_deg: float, rng: np.random.Generator
) -> Placement:
    """``instep`` (on the laces: toes +x, up +z) or ``lateral`` (outer side of the shoe, board
    x up and z pointing outward: toes -y on the right foot, +y on the left)."""
    side = 1.0 if foot == "left" else -1.0
    if kind == "instep":
        pos = np.array(INSTEP_POSITION)
        mounting = Mounting(toe_axis="+x", up_axis="+z")
    elif kind == "lateral":
        pos = np.array([LATERAL_POSITION[0], side * LATERAL_POSITION[1], LATERAL_POSITION[2]])
        mounting = Mounting(toe_axis="+y" if foot == "left" else "-y", up_axis="+x")
    else:
        raise ValueError(f"unknown sensor placement {kind!r} (instep, lateral)")
    axis = rng.standard_normal(3)
    axis /= np.linalg.norm(axis)
    mis = small_rotation(axis * math.radians(misalignment_deg))
    return Placement(kind, pos, mounting, mis @ mounting.sensor_to_foot(), misalignment_deg)


def _gauss_markov(n: int, dt: float, sigma: float, tau: float, rng: np.random.Generator
                  ) -> FloatArray:
    """(n, 3) first-order Gauss-Markov process with stationary std ``sigma``, started stationary."""
    if sigma <= 0 or n == 0:
        return np.zeros((n, 3))
    phi = math.exp(-dt / tau)
    w = rng.standard_normal((n, 3)) * sigma * math.sqrt(1 - phi * phi)
    w[0] = rng.standard_normal(3) * sigma
    return np.asarray(signal.lfilter([1.0], [1.0, -phi], w, axis=0))


@dataclass
class ImuSignals:
    acc: FloatArray  # (n, 3) m/s², sensor frame, as the sensor outputs them (before quantisation)
    gyr: FloatArray  # (n, 3) deg/s
    acc_clipped: int  # samples with an acc axis at the range limit
    gyr_clipped: int
    gyr_bias_dps: FloatArray  # (3,) constant part of the gyro bias
    acc_bias_m_s2: FloatArray


def ideal_signals(
    traj: FootTrajectory, t: FloatArray, placement: Placement, ringing: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Noise-free specific force (m/s²) and angular rate (deg/s) in the sensor frame at ``t``."""
    R, _, acc_w, omega = traj.motion(t, placement.position_m, ringing=ringing)
    M = placement.true_sensor_to_foot
    f_foot = np.einsum("nji,nj->ni", R, acc_w + GRAVITY_WORLD)
    acc = f_foot @ M  # M.T @ f for each row
    gyr = np.degrees(omega @ M)
    return acc, gyr


def simulate_imu(
    traj: FootTrajectory,
    t_host: FloatArray,
    placement: Placement,
    errors: ImuErrors,
    rng: np.random.Generator,
    acc_range_m_s2: float,
    gyr_range_dps: float,
    oversample: int = 8,
    cutoff_frac: float = 0.4,
) -> ImuSignals:
    """Sensor output at host times ``t_host`` (uniformly spaced, s)."""
    n = len(t_host)
    dt = float(t_host[1] - t_host[0]) if n > 1 else 0.005
    if errors.anti_alias:
        pad = math.ceil(0.25 / dt) * oversample
        j = np.arange(-pad, n * oversample)
        t_fine = t_host[0] + j * (dt / oversample)
        acc_f, gyr_f = ideal_signals(traj, t_fine, placement, errors.ringing)
        sos = signal.butter(2, cutoff_frac / dt, fs=oversample / dt, output="sos")
        zi = signal.sosfilt_zi(sos)
        acc_f = signal.sosfilt(sos, acc_f, axis=0, zi=zi[:, :, None] * acc_f[0][None, None, :])[0]
        gyr_f = signal.sosfilt(sos, gyr_f, axis=0, zi=zi[:, :, None] * gyr_f[0][None, None, :])[0]
        acc = acc_f[pad::oversample][:n]
        gyr = gyr_f[pad::oversample][:n]
    else:
        acc, gyr = ideal_signals(traj, t_host, placement, errors.ringing)
    acc = acc * (1 + errors.acc_scale * rng.standard_normal(3))
    gyr = gyr * (1 + errors.gyr_scale * rng.standard_normal(3))
    b_acc = errors.acc_bias_m_s2 * rng.standard_normal(3)
    b_gyr = errors.gyr_bias_dps * rng.standard_normal(3)
    wander = _gauss_markov(n, dt, errors.gyr_bias_wander_dps, errors.gyr_bias_tau_s, rng)
    acc = acc + b_acc + errors.acc_noise_m_s2 * rng.standard_normal((n, 3))
    gyr = gyr + b_gyr + wander + errors.gyr_noise_dps * rng.standard_normal((n, 3))
    acc_clipped = int(np.count_nonzero(np.any(np.abs(acc) >= acc_range_m_s2, axis=1)))
    gyr_clipped = int(np.count_nonzero(np.any(np.abs(gyr) >= gyr_range_dps, axis=1)))
    acc = np.clip(acc, -acc_range_m_s2, acc_range_m_s2)
    gyr = np.clip(gyr, -gyr_range_dps, gyr_range_dps)
    return ImuSignals(acc, gyr, acc_clipped, gyr_clipped, b_gyr, b_acc)
