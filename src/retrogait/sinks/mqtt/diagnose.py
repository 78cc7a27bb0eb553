"""Why a connection attempt to the broker failed, in words a user can act on."""

from __future__ import annotations

import socket
import ssl

import aiomqtt

from retrogait.sinks.mqtt.settings import PASSWORD_ENV, USERNAME_ENV


def first_leaf(group: BaseExceptionGroup[aiomqtt.MqttError]) -> aiomqtt.MqttError:
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    assert isinstance(exc, aiomqtt.MqttError)
    return exc


_AUTH_CODES = {4: "bad user name or password", 5: "not authorised",
               134: "bad user name or password", 135: "not authorised"}


def describe_error(exc: BaseException) -> str:
    """Why a connection attempt failed, in words: refused, host not found (DNS), TLS (which
    check), authentication, timeout. aiomqtt wraps socket errors in ``MqttError(str(exc))``; the
    original error is still its ``__context__``."""
    cause: BaseException = exc
    while isinstance(cause, aiomqtt.MqttError) and cause.__context__ is not None:
        cause = cause.__context__
    rc = getattr(exc, "rc", None)
    code = getattr(rc, "value", rc)
    if isinstance(code, int) and code in _AUTH_CODES:
        return (f"the broker refused the login: {_AUTH_CODES[code]} (check [mqtt] username / "
                f"password or ${USERNAME_ENV} / ${PASSWORD_ENV})")
    if isinstance(cause, ssl.SSLCertVerificationError):
        why = cause.verify_message or str(cause)
        return (f"TLS: the broker's certificate is not trusted ({why}); set [mqtt] tls_ca_file "
                "to the CA that signed it")
    if isinstance(cause, ssl.SSLError):
        why = getattr(cause, "reason", None) or cause.strerror or str(cause)
        return f"TLS handshake failed ({why}); is the port a TLS listener?"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused: nothing listens on that port (is the broker running?)"
    if isinstance(cause, socket.gaierror):
        return f"host name not found (DNS: {cause.strerror})"
    if isinstance(cause, TimeoutError | socket.timeout):
        return "timed out (no answer: a firewall, a wrong port or a TLS/plain mismatch?)"
    if isinstance(cause, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "the broker closed the connection (a TLS/plain mismatch or the broker's limits?)"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    text = str(exc)
    if "ssl" in text.lower() or "certificate" in text.lower():
        return f"TLS: {text}"
    return text or type(exc).__name__


def maybe_protocol_problem(exc: aiomqtt.MqttError) -> bool:
    """A refusal of the protocol version, or a CONNECT left unanswered (not a refused socket)."""
    rc = getattr(exc, "rc", None)
    value = getattr(rc, "value", rc)
    text = str(exc).lower()
    return value in (1, 132) or "protocol" in text or "timed out" in text
