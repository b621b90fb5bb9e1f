"""Build the wheel, install it into a fresh virtual environment and run it from outside the source tree.

    python packaging/check_wheel.py [--wheel PATH] [--keep]

Steps (each timed; exit 1 with the step's output on the first failure):

1. ``pip wheel --no-deps`` of this checkout (skipped with ``--wheel``);
2. a fresh venv in a temporary folder. Its dependencies (torch 2.13.0 CPU, PySide6, music21, ...) are
   *reused* from the interpreter running this script: a ``.pth`` file points at a folder of links to
   that environment's site-packages, leaving out every latentcomposer file (the editable install), so
   only the wheel's own ``latentcomposer`` can be imported. Reinstalling torch from the local wheel
   would add ~700 MB of unpacking per run for nothing the check is about;
3. ``pip install --no-index WHEEL`` -- with dependencies, so a requirement the wheel declares but the
   environment lacks fails here (nothing is downloaded);
4. from the temporary folder, with the checkout off ``sys.path`` and no ``LATENTCOMPOSER_MODELS_DIR``:
   ``latentcomposer models`` must list every model folder of ``models/`` and find them in the venv's
   ``share/latentcomposer/models``; ``latentcomposer demo`` must exit 0 and write its MIDI files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN = ("latentcomposer", "__editable__.latentcomposer", "__editable___latentcomposer")


def shipped_models() -> list[str]:
    return sorted(p.name for p in (ROOT / "models").iterdir()
                  if (p / "config.json").is_file() and (p / "model.safetensors").is_file())


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, what: str = "") -> str:
    t = time.monotonic()
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    print(f"  {what or cmd[0]}: {time.monotonic() - t:.1f} s", flush=True)
    if res.returncode != 0:
        raise SystemExit(f"FAILED ({res.returncode}): {' '.join(cmd)}\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}")
    return res.stdout


def build_wheel(out: Path) -> Path:
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
         str(ROOT)], ROOT, what="build wheel")
    wheels = sorted(out.glob("latentcomposer-*.whl"))
    if not wheels:
        raise SystemExit(f"FAILED: no wheel in {out}")
    return wheels[-1]


def dependency_links(target: Path) -> Path:
    """A folder of symlinks to this interpreter's site-packages entries, latentcomposer's left out."""
    target.mkdir(parents=True)
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if entry.name.startswith(OWN) or entry.name.endswith(".pth"):
            continue
        (target / entry.name).symlink_to(entry)
    return target


def fresh_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LATENTCOMPOSER_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update({"QT_QPA_PLATFORM": "offscreen", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "HOME": str(tmp / "home"), "LATENTCOMPOSER_CACHE_DIR": str(tmp / "cache"),
                "LATENTCOMPOSER_DATA_DIR": str(tmp / "data"), "LATENTCOMPOSER_CONFIG_DIR": str(tmp / "config"),
                "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "1")})
    env["PATH"] = os.pathsep.join([str(tmp / "venv" / "bin"), "/usr/bin", "/bin"])
    return env


def check(wheel: Path | None, keep: bool) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="lc-wheel-check-"))
    t0 = time.monotonic()
    try:
        wheel = wheel.resolve() if wheel else build_wheel(tmp / "dist")
        print(f"  wheel: {wheel.name}, {wheel.stat().st_size / 2**20:.1f} MiB", flush=True)
        venv = tmp / "venv"
        base = getattr(sys, "_base_executable", sys.executable)
        run([base, "-m", "venv", "--without-pip", str(venv)], tmp, what="fresh venv")
        py = venv / "bin" / "python"
        purelib = Path(run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           tmp).strip())
        deps = dependency_links(tmp / "deps")
        (purelib / "_latentcomposer_check_deps.pth").write_text(f"{deps}\n")
        env = fresh_env(tmp)
        # pip itself comes from the linked dependencies (no download)
        run([str(py), "-m", "pip", "install", "-q", "--no-index", str(wheel)], tmp, env, "pip install wheel")
        where = run([str(py), "-c", "import latentcomposer, latentcomposer.paths as p; "
                     "print(latentcomposer.__file__); print(p.models_dir()); print(p.RESOURCES_DIR)"], tmp, env,
                    "import").split()
        if str(ROOT) in where[0] or not where[1].startswith(str(venv)) or not where[2].startswith(str(venv)):
            raise SystemExit(f"FAILED: the installed package is not the one imported, or its models/resources "
                             f"are not the installed ones: {where}")
        listed = run([str(venv / "bin" / "latentcomposer"), "models"], tmp, env, "latentcomposer models")
        names = {line.split()[0] for line in listed.splitlines() if line.strip()}
        missing = [m for m in shipped_models() if m not in names]
        if missing:
            raise SystemExit(f"FAILED: `latentcomposer models` does not list {missing}:\n{listed}")
        out = tmp / "demo"
        run([str(venv / "bin" / "latentcomposer"), "demo", "--out", str(out)], tmp, env, "latentcomposer demo")
        mids = sorted(p.name for p in out.glob("*.mid"))
        if len(mids) < 3:
            raise SystemExit(f"FAILED: the demo wrote {mids}")
        icons = list((venv / "share" / "icons" / "hicolor").glob("*/apps/latentcomposer.*"))
        desktop = venv / "share" / "applications" / "latentcomposer.desktop"
        if not desktop.is_file() or len(icons) < 8:
            raise SystemExit(f"FAILED: desktop file {desktop.is_file()}, {len(icons)} icons installed")
        print(f"OK: {len(names)} models listed ({', '.join(sorted(names))}), demo wrote {len(mids)} MIDI files, "
              f"desktop file + {len(icons)} icons; {time.monotonic() - t0:.0f} s in all", flush=True)
        return 0
    finally:
        if keep:
            print(f"  kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, default=None, help="check this wheel instead of building one")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    return check(args.wheel, args.keep)


if __name__ == "__main__":
    sys.exit(main())
