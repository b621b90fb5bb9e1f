"""Broken model folders, made from a good one, and a probe that loads each in a memory-limited child.

``python -m tests.hostile.model_folders ROOT GOOD_NAME`` breaks copies of ``ROOT/GOOD_NAME`` in every
way in :data:`BREAKS`, then ``Engine.load``s each with the address space capped at 4 GB (a huge declared
size must fail as a message, not by swapping the machine to death), printing one JSON line per folder:
``{"name", "outcome": "refused" | "loaded" | "escaped", "type", "message"}``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

CONFIG, WEIGHTS = "config.json", "model.safetensors"


def _set_key(doc: Any, key: str, value: Any) -> bool:
    """Set every ``key`` found anywhere in ``doc`` (config formats nest fields differently)."""
    found = False
    if isinstance(doc, dict):
        for k in list(doc):
            if k == key:
                doc[k] = value
                found = True
            else:
                found |= _set_key(doc[k], key, value)
    elif isinstance(doc, list):
        for v in doc:
            found |= _set_key(v, key, value)
    return found


def _config_edit(key: str, value: Any) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        doc = json.loads((folder / CONFIG).read_text())
        if not _set_key(doc.get("model", doc), key, value):
            raise KeyError(f"no {key} in config.json")
        (folder / CONFIG).write_text(json.dumps(doc))  # a 400-digit int is written as its digits
    return edit


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).write_bytes(data)
    return edit


def _truncate_weights(folder: Path) -> None:
    data = (folder / WEIGHTS).read_bytes()
    (folder / WEIGHTS).write_bytes(data[: len(data) // 2])


def _huge_header(folder: Path) -> None:
    data = (folder / WEIGHTS).read_bytes()
    (folder / WEIGHTS).write_bytes(struct.pack("<Q", 2**62) + data[8:])


def _header_lies_about_offsets(folder: Path) -> None:
    """A valid header whose first tensor claims to extend far past the file."""
    data = (folder / WEIGHTS).read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    first = next(k for k in header if k != "__metadata__")
    header[first]["data_offsets"] = [0, 2**40]
    new = json.dumps(header).encode()
    (folder / WEIGHTS).write_bytes(struct.pack("<Q", len(new)) + new + data[8 + n:])


def _other_config_weights(other: Path) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        shutil.copy(other / WEIGHTS, folder / WEIGHTS)
    return edit


def _no_tensors(folder: Path) -> None:
    header = json.dumps({"__metadata__": {}}).encode()
    (folder / WEIGHTS).write_bytes(struct.pack("<Q", len(header)) + header)


def _pickle_weights(folder: Path) -> None:
    import pickle

    class Boom:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("touch PICKLE_RAN",))

    (folder / WEIGHTS).write_bytes(pickle.dumps(Boom()))


def _nan_weights(folder: Path) -> None:
    from safetensors.numpy import load_file, save_file

    tensors = load_file(str(folder / WEIGHTS))
    for v in tensors.values():
        if v.dtype.kind == "f":
            v[...] = float("nan")
    save_file(tensors, str(folder / WEIGHTS))


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).symlink_to(target)
    return edit


def _fifo(name: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        os.mkfifo(folder / name)
    return edit


def _directory(name: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return edit


def _remove(name: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
    return edit


def _sparse_config(folder: Path) -> None:
    with open(folder / CONFIG, "r+b") as fh:
        fh.seek(0, 2)
        fh.truncate(200 * 2**20)  # 200 MB of zero bytes after the JSON (sparse: no disk used)


BREAKS: dict[str, Callable[[Path], None]] = {
    "config missing": _remove(CONFIG),
    "weights missing": _remove(WEIGHTS),
    "config empty": _write(CONFIG, b""),
    "config not json": _write(CONFIG, b"{model: "),
    "config not utf-8": _write(CONFIG, b'{"format": 2, "model": {"name": "\xff\xfe"}}'),
    "config deep nesting": _write(CONFIG, b"[" * 100_000 + b"]" * 100_000),
    "config a list": _write(CONFIG, b"[1, 2, 3]"),
    "config 200 MB": _sparse_config,
    "z_dim text": _config_edit("z_dim", "sixteen"),
    "z_dim negative": _config_edit("z_dim", -4),
    "z_dim huge": _config_edit("z_dim", 10**9),
    "z_dim 10**400": _config_edit("z_dim", 10**400),
    "z_dim float": _config_edit("z_dim", 16.5),
    "n_bars 0": _config_edit("n_bars", 0),
    "n_bars huge": _config_edit("n_bars", 10**7),
    "representation unknown": _config_edit("representation", "banjo"),
    "architecture unknown": _config_edit("architecture", "hyperdrive"),
    "name not text": _config_edit("name", {"x": [1]}),
    "weights truncated": _truncate_weights,
    "weights random": _write(WEIGHTS, os.urandom(4096)),
    "weights empty": _write(WEIGHTS, b""),
    "weights header 2**62": _huge_header,
    "weights offsets past the end": _header_lies_about_offsets,
    "weights no tensors": _no_tensors,
    "weights a pickle": _pickle_weights,
    "weights all NaN": _nan_weights,
    "weights /dev/zero": _symlink(WEIGHTS, "/dev/zero"),
    "weights a FIFO": _fifo(WEIGHTS),
    "weights a folder": _directory(WEIGHTS),
    "config symlink loop": _symlink(CONFIG, CONFIG),
    "config /dev/zero": _symlink(CONFIG, "/dev/zero"),
}


def make_broken(root: Path, good: Path, other: Path | None = None) -> dict[str, Path]:
    """A copy of ``good`` per break under ``root`` (``other``: a model of another config, for shapes)."""
    breaks = dict(BREAKS)
    if other is not None:
        breaks["weights of another config"] = _other_config_weights(other)
    out = {}
    for k, (name, edit) in enumerate(breaks.items()):
        if ("FIFO" in name and not hasattr(os, "mkfifo")) or ("/dev/" in name and not os.path.exists("/dev/zero")):
            continue
        folder = root / f"broken_{k:02d}"
        shutil.copytree(good, folder, symlinks=True)
        edit(folder)
        out[name] = folder
    return out


def probe(folder: Path) -> dict[str, Any]:
    from latentcomposer.core.errors import UserFacingError
    from latentcomposer.model.engine import Engine

    try:
        eng = Engine.load(folder, device="cpu")
        clip = eng.decode(__import__("numpy").zeros((1, eng.z_dim), "float32"))
        return {"outcome": "loaded", "type": "", "message": f"decoded {len(clip)} clip(s)"}
    except UserFacingError as exc:
        return {"outcome": "refused", "type": type(exc).__name__, "message": str(exc)[:1000]}
    except BaseException as exc:  # noqa: BLE001 - what the probe is for
        return {"outcome": "escaped", "type": type(exc).__name__, "message": str(exc)[:1000]}


_UNBLOCK = """
import os, sys, time
time.sleep(float(sys.argv[2]))
open(sys.argv[3], "w").close()
for name in os.listdir(sys.argv[1]):
    path = os.path.join(sys.argv[1], name)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # a reader blocked in open() sees EOF
    except OSError:
        pass
"""


def _unblock_fifos(folder: Path, after: float) -> Callable[[], bool]:
    """A watchdog process for a folder holding FIFOs: if the probe still runs after ``after`` s, it opens
    them for writing so a reader blocked in open() gets end-of-file. (Native code such as the
    safetensors reader holds the GIL and retries open() on signals: nothing inside the process can
    free it.) Returns a function that stops the watchdog and says whether it had to step in."""
    import subprocess
    import tempfile

    if not any(p.is_fifo() for p in folder.iterdir()):
        return lambda: False
    marker = Path(tempfile.mkdtemp()) / "hung"
    proc = subprocess.Popen([sys.executable, "-c", _UNBLOCK, str(folder), str(after), str(marker)])

    def stop() -> bool:
        proc.kill()
        proc.wait()
        return marker.exists()

    return stop


def main(argv: list[str]) -> int:
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
    if argv[0] == "--models":  # the CLI's listing of a folder full of broken models
        import contextlib
        import io

        os.environ["LATENTCOMPOSER_MODELS_DIR"] = argv[1]
        from latentcomposer.cli import main as cli

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli(["models"])
            except BaseException as exc:  # noqa: BLE001
                code, err = -1, io.StringIO(f"ESCAPED {type(exc).__name__}: {exc}")
        print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}))
        return 0
    root, names = Path(argv[0]), argv[1:]

    def timeout(*_args: object) -> None:
        raise TimeoutError("still loading after 20 s")

    signal.signal(signal.SIGALRM, timeout)
    for name in names:
        stop = _unblock_fifos(root / name, 10.0)
        signal.alarm(20)  # Python-level hangs (a loop over a huge size) end as TimeoutError
        result = probe(root / name)
        signal.alarm(0)
        if stop() and result["outcome"] != "escaped":
            result = {"outcome": "escaped", "type": "hang", "message": "blocked opening a FIFO: " + result["message"]}
        print(json.dumps({"folder": name, **result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
