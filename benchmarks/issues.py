"""Time and memory of ``run_checks`` per check, beside cleanlab's Datalab, on the same data.

    python benchmarks/issues.py                        # N = 100k and 1M
    python benchmarks/issues.py --sizes 20000 --datalab-timeout 120

Data: ``issue_data.classification_data`` (seeded; 10 classes, 64-d clustered
embedding, 10 epochs of dynamics, 5 % flipped labels, an 80/20 train /
validation split). Each tool runs in its own subprocess, so peak memory is its
own: the growth of the process's peak RSS (VmHWM, reset after the data is made)
over the RSS before the run. nbdatalens: the shared kNN index (built and the
self-kNN of every row computed once) and then every check, timed one by one;
Datalab: ``Datalab(data, label_name="label").find_issues(features=embedding,
pred_probs=probs)`` with its default checks, stopped after ``--datalab-timeout``.
Prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from process_memory import reset_peak, status_mb  # noqa: E402


def run_nbdatalens(n: int) -> dict:
    from issue_data import classification_data

    from nbdatalens.issues.base import CheckResult
    from nbdatalens.issues.runner import IssueInputs, run_checks, summary_frame

    d = classification_data(n)
    base = status_mb("VmRSS")
    reset_peak()
    t_start = time.perf_counter()
    inputs = IssueInputs(
        labels=d["labels"],
        probs=d["probs"],
        dynamics_given=d["dynamics_given"],
        dynamics_correct=d["dynamics_correct"],
        embedding=d["embedding"],
        split=d["split"],
    )
    steps = []
    t0 = time.perf_counter()
    inputs.knn.self_neighbors(10)
    steps.append({"step": f"kNN index ({inputs.knn.method}) + self-kNN k=10",
                  "seconds": time.perf_counter() - t0, "issues": ""})  # fmt: skip
    started: dict[str, float] = {}

    def progress(issue_type: str, state: str) -> None:
        if state == "running":
            started[issue_type] = time.perf_counter()
        elif issue_type in started:
            steps.append({"step": issue_type, "seconds": time.perf_counter() - started[issue_type]})

    results = run_checks(inputs, progress=progress)
    total = time.perf_counter() - t_start
    by_type = {r.issue_type: r for r in results}
    for s in steps:
        r = by_type.get(s["step"])
        if isinstance(r, CheckResult):
            s["issues"] = f"{r.num_issues:,}"
    summary = summary_frame(results, n)
    not_run = summary[summary["status"] != "done"][["issue_type", "status"]].values.tolist()
    return {"n": n, "total": total, "peak_mb": status_mb("VmHWM") - base, "steps": steps,
            "not_run": not_run}  # fmt: skip


def run_datalab(n: int) -> dict:
    from cleanlab import Datalab
    from issue_data import classification_data

    d = classification_data(n)
    data = {"label": d["labels"]}
    base = status_mb("VmRSS")
    reset_peak()
    t0 = time.perf_counter()
    lab = Datalab(data=data, label_name="label", verbosity=0)
    lab.find_issues(features=d["embedding"], pred_probs=d["probs"])
    total = time.perf_counter() - t0
    checks = ", ".join(lab.get_issue_summary()["issue_type"])
    return {"n": n, "total": total, "peak_mb": status_mb("VmHWM") - base, "checks": checks}


def _run(tool: str, n: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, str(n)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return {"n": n, "note": f"did not finish in {timeout:.0f} s", "timeout": timeout}
    except subprocess.CalledProcessError as e:
        return {"n": n, "note": "failed: " + e.stderr.strip()[-200:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--timeout", type=float, default=900, help="seconds for nbdatalens")
    ap.add_argument("--datalab-timeout", type=float, default=900, help="seconds for Datalab")
    ap.add_argument("--no-datalab", action="store_true")
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        tool, n = args.worker
        print(json.dumps((run_nbdatalens if tool == "nbdatalens" else run_datalab)(int(n))))
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        ours = _run("nbdatalens", n, args.timeout)
        print(f"# nbdatalens {ours}", file=sys.stderr, flush=True)
        theirs = (
            {"note": "skipped"} if args.no_datalab else _run("datalab", n, args.datalab_timeout)
        )
        print(f"# datalab {theirs}", file=sys.stderr, flush=True)
        rows.append((n, ours, theirs))

    print("| N | nbdatalens step | time (s) | flagged |")
    print("|---:|---|---:|---:|")
    for n, ours, _ in rows:
        for s in ours.get("steps", []):
            print(f"| {n:,} | {s['step']} | {s['seconds']:.2f} | {s.get('issues', '')} |")
        for t, status in ours.get("not_run", []):
            print(f"| {n:,} | {t} | {status} | |")
    print()
    print("| N | nbdatalens total (s) | peak RSS (MB) | Datalab (s) | Datalab peak RSS (MB) "
          "| Datalab time / nbdatalens time |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|")
    for n, ours, theirs in rows:
        if "note" in ours:
            print(f"| {n:,} | {ours['note']} | | | | |")
            continue
        if "note" in theirs:
            ratio = f"> {theirs['timeout'] / ours['total']:.1f}" if "timeout" in theirs else "—"
            print(f"| {n:,} | {ours['total']:.1f} | {ours['peak_mb']:.0f} | {theirs['note']} | "
                  f"| {ratio} |")  # fmt: skip
            continue
        print(f"| {n:,} | {ours['total']:.1f} | {ours['peak_mb']:.0f} | {theirs['total']:.1f} | "
              f"{theirs['peak_mb']:.0f} | {theirs['total'] / ours['total']:.1f} |")  # fmt: skip
    for n, _, theirs in rows:
        if "checks" in theirs:
            print(f"\nDatalab's checks at N = {n:,}: {theirs['checks']}")


if __name__ == "__main__":
    main()
