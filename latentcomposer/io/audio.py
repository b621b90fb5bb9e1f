"""WAV files (stdlib :mod:`wave`): float samples in, 16-bit PCM out, and back for tests and tools."""

from __future__ import annotations

import os
import threading
import wave
from collections.abc import Iterable
from pathlib import Path

import numpy as np


class AudioWriteError(OSError):
    """The WAV file could not be written; ``str()`` names the file and the problem."""


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples (nominal range -1.0..1.0; louder is clipped) as int16 with rounding."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int) -> Path:
    """Write ``samples`` (shape (n,) mono or (n, channels), float -1..1) as 16-bit PCM at ``sample_rate`` Hz.

    The file is written to a temporary name and renamed, so a failure never leaves half a file.
    Raises :class:`AudioWriteError` (an OSError) with a message naming the file.
    """
    data = np.asarray(samples)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or not 1 <= data.shape[1] <= 8:
        raise ValueError(f"samples must have shape (n,) or (n, channels), got {data.shape}")
    step = 1 << 18
    return write_wav_chunks(path, (data[i:i + step] for i in range(0, data.shape[0], step)),
                            sample_rate, channels=data.shape[1])


def write_wav_chunks(path: str | os.PathLike[str], chunks: Iterable[np.ndarray], sample_rate: int,
                     channels: int = 2) -> Path:
    """:func:`write_wav` for audio that arrives in pieces (each of shape (k, channels)), streamed to disk."""
    if not 1 <= int(sample_rate) <= 768000:
        raise ValueError(f"sample rate {sample_rate} Hz is not valid")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # a plain open (not mkstemp) so the file gets the usual permissions from the umask
        tmp = target.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{target.name}")
        try:
            with open(tmp, "xb") as fh, wave.open(fh, "wb") as wav:
                wav.setnchannels(channels)
                wav.setsampwidth(2)
                wav.setframerate(int(sample_rate))
                for chunk in chunks:
                    block = np.asarray(chunk).reshape(-1, channels)
                    wav.writeframes(to_pcm16(block).tobytes())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise AudioWriteError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    return target


def read_wav(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV as (float32 array of shape (n, channels) in -1..1, sample rate in Hz)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV files are supported")
        n_ch = wav.getnchannels()
        rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    data = np.frombuffer(raw, dtype="<i2").reshape(-1, n_ch).astype(np.float32) / 32768.0
    return data, rate
