"""Shared helpers for the benchmarks: machine facts, waiting for a quiet machine, results.

The machine has 2 cores shared with other people's test runs, so every measurement is
preceded by :func:`wait_for_quiet` and wrapped in :class:`Measure`, which records the load
average before and after and the CPU time other processes used while it ran.

Why not wait on the load average alone: it is a one-minute moving average that includes
this script's own previous measurement (two busy cores leave it near 2 for a minute after
they stop). Waiting for it to fall below the threshold after every measurement would add
about a minute each. So :func:`wait_for_quiet` waits while the load average is above the
threshold *and* other processes are actually using CPU (a short ``/proc/stat`` sample minus
this process's own CPU time). The foreign CPU used during each measurement is recorded, so
a measurement disturbed by a neighbour that started mid-way is visible in the results.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent

#: Wait while the 1-minute load average is above this and others use CPU.
LOAD_THRESHOLD = 0.7
#: Other processes' CPU use (in cores) that counts as "the machine is busy".
FOREIGN_THRESHOLD = 0.2


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------- machine facts


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cpu_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return sorted(f for f in flags if f.startswith(("avx", "amx", "fma")))
    except OSError:
        pass
    return []


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(pkg: str) -> str | None:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def machine_facts() -> dict[str, Any]:
    import torch

    status = _git("status", "--porcelain")
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cpu_flags": _cpu_flags(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "ram_gib": _ram_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            pkg: _version(pkg)
            for pkg in (
                "equanimity",
                "torch",
                "transformers",
                "inspect-ai",
                "llama-cpp-python",
                "numpy",
            )
        },
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "load_avg": list(os.getloadavg()),
    }


# ----------------------------------------------------------------------- load


def _busy_s() -> float:
    """Seconds of CPU time all processes have used (all cores) since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    vals = [int(x) for x in fields]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _self_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuWindow:
    """Other processes' CPU use (in cores) between construction and :meth:`foreign_cores`."""

    def __init__(self) -> None:
        self.t0, self.busy0, self.self0 = time.monotonic(), _busy_s(), _self_s()

    def foreign_cores(self) -> float:
        dt_ = max(time.monotonic() - self.t0, 1e-6)
        foreign = (_busy_s() - self.busy0) - (_self_s() - self.self0)
        return max(0.0, foreign / dt_)


def threads_cpu() -> dict[int, float]:
    """CPU seconds used so far by each thread of this process (by native thread id)."""
    out: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def foreign_cpu(sample_s: float = 2.0) -> float:
    w = CpuWindow()
    time.sleep(sample_s)
    return w.foreign_cores()


def wait_for_quiet(max_wait_s: float = 600.0, poll_s: float = 5.0) -> dict[str, Any]:
    """Wait (up to ``max_wait_s``) until the machine is quiet; returns what was seen."""
    t0 = time.monotonic()
    load = os.getloadavg()[0]
    foreign = foreign_cpu(1.0) if load > LOAD_THRESHOLD else 0.0
    announced = False
    while load > LOAD_THRESHOLD and foreign > FOREIGN_THRESHOLD:
        if time.monotonic() - t0 > max_wait_s:
            log(f"machine still busy after {max_wait_s:.0f}s (load {load:.2f}); measuring anyway")
            break
        if not announced:
            log(f"waiting for a quiet machine: load {load:.2f}, others use {foreign:.2f} cores")
            announced = True
        time.sleep(poll_s)
        load = os.getloadavg()[0]
        foreign = foreign_cpu(2.0)
    return {
        "load_before": round(load, 2),
        "foreign_cores_before": round(foreign, 2),
        "waited_s": round(time.monotonic() - t0, 1),
    }


@contextmanager
def measure(info: dict[str, Any], wait: bool = True) -> Iterator[dict[str, Any]]:
    """Wait for a quiet machine, then time the block; fills ``info`` with the load facts."""
    if wait:
        info.update(wait_for_quiet())
    else:
        info["load_before"] = round(os.getloadavg()[0], 2)
    win = CpuWindow()
    t0 = time.perf_counter()
    try:
        yield info
    finally:
        info["wall_s"] = round(time.perf_counter() - t0, 3)
        info["foreign_cores_during"] = round(win.foreign_cores(), 2)
        info["load_after"] = round(os.getloadavg()[0], 2)


# ----------------------------------------------------------------------- output


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-markdown table (also readable in a terminal)."""

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.1f}" if abs(v) >= 10 else f"{v:.2f}"
        return str(v)

    cells = [[fmt(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    return "\n".join(lines)


def write_result(name: str, payload: dict[str, Any], out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    log(f"wrote {path}")
    return path
