"""Peak memory of the benchmark's own process (Linux /proc), shared by the scripts."""

from __future__ import annotations


def status_mb(field: str) -> float:
    """A ``/proc/self/status`` field (``VmHWM``, ``VmRSS``, …) in MB; NaN where unavailable."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak() -> None:
    """Reset the peak RSS (VmHWM) to the current RSS, so the next peak is the run's own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
