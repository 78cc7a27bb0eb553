"""Firmware-profile decoders. Importing this package registers every bundled decoder."""

from retrogait.decoders import (
    metamotion,  # noqa: F401
    movella_dot,  # noqa: F401
    movesense,  # noqa: F401
    polar_pmd,  # noqa: F401
    retrogait_imu,  # noqa: F401  (registers itself)
    rsc,  # noqa: F401
    thingy52,  # noqa: F401
    witmotion,  # noqa: F401
)
from retrogait.decoders.base import (
    Decoder,
    EncodedPacket,
    Encoder,
    SampleBlock,
    decoder_names,
    make_decoder,
    make_encoder,
)
from retrogait.profiles.schema import FirmwareProfile


def decoder_for(profile: FirmwareProfile, rate_hz: float | None = None) -> Decoder:
    """A fresh decoder for one sensor stream described by ``profile``."""
    return make_decoder(
        profile.decoder.name, profile.decoder.params, rate_hz or profile.default_rate_hz
    )


def encoder_for(profile: FirmwareProfile, rate_hz: float | None = None) -> Encoder:
    params = dict(profile.decoder.params)
    params.setdefault("data_char", profile.gatt.notify[0])
    return make_encoder(profile.decoder.name, params, rate_hz or profile.default_rate_hz)


__all__ = [
    "Decoder",
    "EncodedPacket",
    "Encoder",
    "SampleBlock",
    "decoder_for",
    "decoder_names",
    "encoder_for",
    "make_decoder",
    "make_encoder",
]
