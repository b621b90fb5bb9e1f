"""``make package``: the Linux one-folder desktop bundle (PyInstaller), its archive, and a start-up check.

    python packaging/build_bundle.py [--skip-build] [--out build/package]

1. a tools venv (``build/pyi-tools``) with PyInstaller; the app's dependencies are the site-packages
   of the interpreter running this script, added by a ``.pth`` line (its real path: PyInstaller matches
   shared libraries by path, and a folder of links made it collect libtorch twice, +445 MB), so nothing
   is installed twice. The editable install's finder is not activated that way; the spec puts the
   snapshot (below) first on the path;
2. ``pyinstaller packaging/pyinstaller/latentcomposer.spec``, run on a snapshot of the tree copied to
   ``<out>/src`` first (the build takes minutes to an hour; a file edited meanwhile must not give the
   bundle half of an old module set and half of a new one) -> ``<out>/dist/latentcomposer/``, plus
   ``share/`` (the .desktop file, the hicolor icons) and ``install-desktop-entry.sh``;
3. ``<out>/latentcomposer-<version>-linux-<arch>.tar.gz``;
4. the check: the archive unpacked into a temporary folder and started from there with a bare
   environment (``env -i``, PATH=/usr/bin:/bin, no display, no Python of ours on PATH): ``--version``
   (start-up time), ``models`` (every shipped model) and the no-argument start, which without a display
   runs the headless demo as ``make run`` does. Sizes and times are printed for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_wheel import ROOT, shipped_models  # noqa: E402

TOOLS = ROOT / "build" / "pyi-tools"
PYINSTALLER = "pyinstaller>=6.10,<7"


def version() -> str:
    ns: dict[str, str] = {}
    exec((ROOT / "latentcomposer" / "__init__.py").read_text(), ns)
    return ns["__version__"]


def tools_python() -> Path:
    py = TOOLS / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS)], check=True)
    if subprocess.run([str(py), "-c", "import PyInstaller"], capture_output=True).returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "-q", PYINSTALLER], check=True)
    purelib = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    if (TOOLS / "app-deps").exists():
        shutil.rmtree(TOOLS / "app-deps")
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    (purelib / "_latentcomposer_app_deps.pth").write_text(f"{site}\n")
    return py


def dir_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


SNAPSHOT = ("latentcomposer", "models", "resources", "packaging")


def snapshot(out: Path) -> Path:
    """A copy of what the bundle is built from, taken at one moment."""
    src = out / "src"
    if src.exists():
        shutil.rmtree(src)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.tmp", ".*.tmp", "*.pt")
    for name in SNAPSHOT:
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    return src


def build(out: Path) -> Path:
    py = tools_python()
    t = time.monotonic()
    src = snapshot(out)
    subprocess.run([str(py), "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(out / "dist"), "--workpath", str(out / "work"),
                    str(src / "packaging" / "pyinstaller" / "latentcomposer.spec")], cwd=src, check=True)
    print(f"pyinstaller: {time.monotonic() - t:.0f} s")
    bundle = out / "dist" / "latentcomposer"
    share = bundle / "share"
    if share.exists():
        shutil.rmtree(share)
    shutil.copytree(ROOT / "packaging" / "linux" / "icons", share / "icons")
    (share / "applications").mkdir(parents=True)
    shutil.copy2(ROOT / "packaging" / "linux" / "latentcomposer.desktop", share / "applications")
    shutil.copy2(ROOT / "packaging" / "linux" / "install-desktop-entry.sh", bundle)
    return bundle


def dedupe_libraries(bundle: Path) -> int:
    """PyInstaller puts some of torch's libraries (libtorch_cpu.so: 415 MiB) both in ``_internal/`` and in
    ``_internal/torch/lib/``; make the top-level copy a relative link to the other. Returns bytes saved."""
    internal = bundle / "_internal"
    saved = 0
    for top in sorted(internal.glob("*.so*")):
        twin = internal / "torch" / "lib" / top.name
        if top.is_symlink() or not twin.is_file() or twin.is_symlink():
            continue
        if top.stat().st_size != twin.stat().st_size or top.read_bytes() != twin.read_bytes():
            continue
        saved += top.stat().st_size
        top.unlink()
        top.symlink_to(Path("torch") / "lib" / top.name)
    return saved


def archive(bundle: Path, out: Path) -> Path:
    arc = out / f"latentcomposer-{version()}-linux-{platform.machine()}.tar.gz"
    t = time.monotonic()
    with tarfile.open(arc, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname="latentcomposer")
    print(f"archive: {arc.name} {arc.stat().st_size / 2**20:.0f} MiB ({time.monotonic() - t:.0f} s); "
          f"unpacked {dir_size(bundle) / 2**20:.0f} MiB")
    return arc


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    t = time.monotonic()
    res = subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in env.items()), *cmd], cwd=cwd,
                         capture_output=True, text=True)
    dt = time.monotonic() - t
    if res.returncode != 0:
        raise SystemExit(f"FAILED ({res.returncode}): {' '.join(cmd)}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return dt, res.stdout


def check(arc: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lc-bundle-check-"))
    try:
        with tarfile.open(arc) as tar:
            tar.extractall(tmp, filter="tar")
        exe = tmp / "latentcomposer" / "latentcomposer"
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp / "home"), "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1"}
        (tmp / "home").mkdir()
        first, out = timed([str(exe), "--version"], tmp, env)
        warm = min(timed([str(exe), "--version"], tmp, env)[0] for _ in range(2))
        print(f"start-up (--version): first {first:.1f} s, warm {warm:.1f} s -> {out.strip()}")
        dt, listed = timed([str(exe), "models"], tmp, env)
        names = {ln.split()[0] for ln in listed.splitlines() if ln.strip()}
        missing = [m for m in shipped_models() if m not in names]
        if missing:
            raise SystemExit(f"FAILED: the bundle does not list {missing}:\n{listed}")
        print(f"models: {len(names)} listed in {dt:.1f} s")
        dt, said = timed([str(exe)], tmp, env)  # no display, no sound card, no MIDI: like `make run`
        mids = sorted((tmp / "out" / "demo").glob("*.mid"))
        if "headless demo" not in said or len(mids) < 3:
            raise SystemExit(f"FAILED: no-argument start wrote {len(mids)} MIDI files:\n{said}")
        print(f"no-display start -> headless demo: {len(mids)} MIDI files in {dt:.1f} s")
        print(f"OK: {arc} starts from {tmp} without the build's Python")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "package")
    ap.add_argument("--skip-build", action="store_true", help="archive and check an existing build")
    args = ap.parse_args()
    out = args.out.resolve()
    bundle = out / "dist" / "latentcomposer" if args.skip_build else build(out)
    print(f"duplicate libraries linked: {dedupe_libraries(bundle) / 2**20:.0f} MiB saved")
    check(archive(bundle, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
