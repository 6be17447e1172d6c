"""Several processes on one session file: every acknowledged change ends up in the file.

Bounded: each test runs its writers for a few seconds (the soak about ten).
A writer prints one JSON line per change *after* the lens call returned (the
change was acknowledged to the user); the test replays those lines and checks
the file holds every one of them.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from nbdatalens import DataLens

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL"), reason="needs POSIX processes and SIGKILL"
)

REPO = Path(__file__).resolve().parents[1]
CLASSES = ["cat", "dog", "eel"]
N = 300

WORKER = """
import json, random, sys, time, warnings
import pandas as pd
from nbdatalens import DataLens

path, mode, first, last, seconds, seed = sys.argv[1:7]
first, last, seconds = int(first), int(last), float(seconds)
rng = random.Random(int(seed))
classes = ["cat", "dog", "eel"]
df = pd.DataFrame({"label": [classes[i % 3] for i in range(300)],
                   "note": [f"sample {i}" for i in range(300)]})
warnings.simplefilter("ignore", UserWarning)  # "fox" is a new class


def ack(**change):
    print(json.dumps(change), flush=True)


if mode == "open":  # open the session again and again; every open must load
    deadline = time.monotonic() + seconds
    opened = 0
    while time.monotonic() < deadline:
        lens = DataLens(df, projection="pca", session=path)
        assert len(lens.df) == 300
        opened += 1
    ack(opened=opened)
    sys.exit(0)

lens = DataLens(df, projection="pca", session=path)
ack(ready=True)
deadline = time.monotonic() + seconds
step = 0
while time.monotonic() < deadline:
    step += 1
    i = rng.randrange(first, last)
    if mode == "grow":  # only adds: whatever it acknowledged must be in the file
        lens.tag([i], "grow")
        ack(op="tag", id=i, tag="grow")
        continue
    op = rng.choice(["tag", "tag", "untag", "relabel", "save"])
    if op == "tag":
        lens.tag([i], seed)
    elif op == "untag":
        lens.untag([i], seed)
    elif op == "relabel":
        label = rng.choice([*classes, "fox", None])
        lens.relabel([i], label)
        ack(op=op, id=i, label=label)
        continue
    else:
        ids = sorted(rng.sample(range(first, last), 3))
        lens.save_selection(f"{seed}-{step % 4}", ids=ids)
        ack(op=op, name=f"{seed}-{step % 4}", ids=ids)
        continue
    ack(op=op, id=i, tag=seed)
"""


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"label": [CLASSES[i % 3] for i in range(N)], "note": [f"sample {i}" for i in range(N)]}
    )


def start(path: Path, mode: str, first: int, last: int, seconds: float, seed: int):
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    args = [str(path), mode, str(first), str(last), str(seconds), str(seed)]
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(proc, timeout: float = 60) -> list[dict]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def expected(acks: list[dict]) -> dict:
    """Replay one writer's acknowledged changes (it alone touches its ids, tag and names)."""
    tags: dict[str, set] = {}
    corrections: dict[int, str] = {}
    selections: dict[str, list] = {}
    for a in acks:
        if a.get("op") == "tag":
            tags.setdefault(a["tag"], set()).add(a["id"])
        elif a.get("op") == "untag":
            tags.setdefault(a["tag"], set()).discard(a["id"])
        elif a.get("op") == "relabel":
            given = CLASSES[a["id"] % 3]
            if a["label"] is None or a["label"] == given:
                corrections.pop(a["id"], None)
            else:
                corrections[a["id"]] = a["label"]
        elif a.get("op") == "save":
            selections[a["name"]] = a["ids"]
    return {"tags": tags, "corrections": corrections, "selections": selections}


def check_file_holds(path: Path, want: dict, first: int, last: int) -> None:
    lens = DataLens(frame(), projection="pca", session=path)  # it loads
    tags = lens.tags
    for tag, ids in want["tags"].items():
        have = set(tags.index[tags[tag]]) if tag in tags else set()
        assert have == ids, f"tag {tag}: missing {ids - have}, extra {have - ids}"
    got = lens.corrections["corrected_label"].dropna()
    got = {i: v for i, v in got.items() if first <= i < last}
    assert got == want["corrections"]
    for name, ids in want["selections"].items():
        assert lens.selections[name].tolist() == ids


def test_two_processes_writing_in_a_loop_lose_nothing(tmp_path):
    path = tmp_path / "shared.lens.json"
    writers = [start(path, "mixed", 0, 150, 3.0, 1), start(path, "mixed", 150, 300, 3.0, 2)]
    acks = [finish(w) for w in writers]
    assert all(len(a) > 20 for a in acks)  # both really wrote, many times
    check_file_holds(path, expected(acks[0]), 0, 150)
    check_file_holds(path, expected(acks[1]), 150, 300)


def test_soak_writer_opener_and_a_writer_killed_mid_write(tmp_path):
    path = tmp_path / "soak.lens.json"
    DataLens(frame(), projection="pca", session=path)
    seconds = 10.0
    writer = start(path, "mixed", 0, 150, seconds, 1)
    opener = start(path, "open", 0, 0, seconds, 0)
    rng = random.Random(0)
    killed_acks: list[dict] = []
    deadline = time.monotonic() + seconds - 1.5
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        victim = start(path, "grow", 150, 300, 30.0, 100 + rounds)
        assert json.loads(victim.stdout.readline()) == {"ready": True}, victim.stderr.read()
        killed_acks.append(json.loads(victim.stdout.readline()))  # it is writing by now
        time.sleep(rng.uniform(0.0, 0.4))  # it tags as fast as it can: likely mid-write
        victim.kill()
        out, _ = victim.communicate(timeout=30)
        assert victim.returncode == -signal.SIGKILL
        for line in out.splitlines():
            try:
                killed_acks.append(json.loads(line))
            except json.JSONDecodeError:  # the last line, cut off by the kill
                pass
    writer_acks = finish(writer)
    opened = finish(opener)[-1]["opened"]
    assert rounds >= 1 and opened >= 1, (rounds, opened)  # (a loaded machine is slower)
    check_file_holds(path, expected(writer_acks), 0, 150)
    lens = DataLens(frame(), projection="pca", session=path)
    tags = lens.tags
    for a in killed_acks:
        assert tags.loc[a["id"], a["tag"]], f"acknowledged tag lost: {a}"
    # The next write cleans up what the killed writers left behind.
    lens.tag([0], "final")
    assert not list(tmp_path.glob(".*.tmp"))
