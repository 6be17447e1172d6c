"""Record what widgets would send to the page, without a kernel or a browser.

``recording()`` makes every widget created inside it talk through a
:class:`RecordingComm`, which keeps each outgoing message's size: its JSON
(as the kernel packs it) plus its binary buffers. A test can then check the
largest message a ``show()`` sends, or what a request's reply holds.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import comm
from comm.base_comm import BaseComm
from jupyter_client.jsonutil import json_default


@dataclass
class Sent:
    msg_type: str
    data: dict[str, Any]
    buffers: list[memoryview]
    json_bytes: int

    @property
    def nbytes(self) -> int:
        return self.json_bytes + sum(memoryview(b).nbytes for b in self.buffers)


@dataclass
class Recorder:
    messages: list[Sent] = field(default_factory=list)

    @property
    def largest(self) -> Sent:
        return max(self.messages, key=lambda m: m.nbytes)

    @property
    def total(self) -> int:
        return sum(m.nbytes for m in self.messages)


class RecordingComm(BaseComm):
    recorder: Recorder

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        data = data or {}
        text = json.dumps(data, default=json_default, ensure_ascii=False, allow_nan=False)
        self.recorder.messages.append(
            Sent(msg_type, data, [memoryview(b) for b in buffers or []], len(text.encode()))
        )


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """Widgets created in this block record their messages into the yielded recorder."""
    recorder = Recorder()

    # A class per recording: the comm sends its open message from its constructor.
    bound = type("BoundRecordingComm", (RecordingComm,), {"recorder": recorder})

    def create(*args: Any, **kwargs: Any) -> BaseComm:
        return bound(*args, **kwargs)

    saved = comm.create_comm
    comm.create_comm = create
    try:
        yield recorder
    finally:
        comm.create_comm = saved
