"""A quiet page driver for the browser benchmarks: Chromium over raw CDP, no network watch.

Playwright enables the DevTools ``Network`` domain on every page it drives, and
with it Chromium copies every websocket frame, base64-encoded, to the driver.
On these machines that makes a page receive websocket data 4-10x slower than
it does for a user: 12 binary messages of 2 MiB arrive in ~0.12 s in a plain
headless Chromium, ~0.6 s once ``Network.enable`` is on, ~1 s under
Playwright. Every timing that waits for kernel data (run cell -> drawn, for
every tool) would measure the instrumentation.

This module drives the same Chromium binary with only the ``Page``, ``Runtime``,
``Input`` and ``Emulation`` domains, and offers the small part of Playwright's
sync API that ``tests/browser/notebook_page.py`` and the probes use
(``evaluate``, ``wait_for_function``, ``mouse``, ``keyboard``, ``locator``,
screenshots, init scripts, a CDP session). The tests keep Playwright;
``benchmarks/browser.py`` and ``benchmarks/peers.py`` use this by default
(``--driver playwright`` for the old numbers).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket  # websocket-client, a dependency of jupyter_server

DEFAULT_TIMEOUT_MS = 30_000


class CdpError(RuntimeError):
    """A CDP command failed, or page code threw."""


class Connection:
    """One websocket to the browser; flat sessions; events handed to their page."""

    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, suppress_origin=True, enable_multithread=False)
        self.next_id = 0
        self.listeners: dict[str, Callable[[dict[str, Any]], None]] = {}

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None):
        self.next_id += 1
        call_id = self.next_id
        message: dict[str, Any] = {"id": call_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._event(reply)

    def drain(self, seconds: float) -> None:
        """Handle the events that arrive within ``seconds``."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                self._event(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
            finally:
                self.ws.settimeout(None)

    def _event(self, message: dict[str, Any]) -> None:
        listener = self.listeners.get(message.get("sessionId", ""))
        if listener is not None and "method" in message:
            listener(message)

    def close(self) -> None:
        self.ws.close()


class Browser:
    """A headless Chromium started with a DevTools port; ``new_context`` like Playwright's."""

    def __init__(self, executable: str, args: list[str]) -> None:
        self.profile = tempfile.mkdtemp(prefix="nbdl-cdp-")
        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                *args,
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        url = None
        for line in self.process.stderr:
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            raise CdpError("Chromium exited before it opened its DevTools port")
        # Chromium logs to stderr as it runs: keep reading, or a full pipe stalls it.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        self.conn = Connection(url)
        self.version = self.conn.send("Browser.getVersion")["product"].split("/")[-1]

    def new_context(self, viewport: dict[str, int] | None = None) -> Context:
        context_id = self.conn.send("Target.createBrowserContext")["browserContextId"]
        return Context(self, context_id, viewport or {"width": 1280, "height": 720})

    def close(self) -> None:
        try:
            self.conn.send("Browser.close")
        except Exception:  # already gone
            pass
        self.conn.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


@dataclass
class Context:
    browser: Browser
    context_id: str
    viewport: dict[str, int]
    init_scripts: list[str] = field(default_factory=list)

    def add_init_script(self, script: str) -> None:
        self.init_scripts.append(script)

    def new_page(self) -> Page:
        conn = self.browser.conn
        target = conn.send(
            "Target.createTarget", {"url": "about:blank", "browserContextId": self.context_id}
        )["targetId"]
        session = conn.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        return Page(self, target, session)

    def new_cdp_session(self, page: Page) -> Session:
        return Session(page)

    def close(self) -> None:
        conn = self.browser.conn
        conn.send("Target.disposeBrowserContext", {"browserContextId": self.context_id})


class Session:
    """What ``context.new_cdp_session(page)`` gives: commands on the page's session."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.page.send(method, params)

    def detach(self) -> None:
        pass


@dataclass
class ConsoleMessage:
    type: str
    text: str
    location: dict[str, Any]


class Page:
    def __init__(self, context: Context, target: str, session: str) -> None:
        self.context = context
        self.target = target
        self.session = session
        self.conn = context.browser.conn
        self.timeout_ms = DEFAULT_TIMEOUT_MS
        self.handlers: dict[str, list[Callable[[Any], None]]] = {"console": [], "pageerror": []}
        self.conn.listeners[session] = self._on_event
        v = context.viewport
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": v["width"], "height": v["height"], "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.enable")
        self.send("Runtime.enable")
        for script in context.init_scripts:
            self.send("Page.addScriptToEvaluateOnNewDocument", {"source": script})
        self.mouse = Mouse(self)
        self.keyboard = Keyboard(self)

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.conn.send(method, params, self.session)

    def _on_event(self, message: dict[str, Any]) -> None:
        method, params = message["method"], message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            frame = (params.get("stackTrace") or {}).get("callFrames") or [{}]
            location = {"url": frame[0].get("url"), "lineNumber": frame[0].get("lineNumber")}
            kind = {"warning": "warning"}.get(params["type"], params["type"])
            for handler in self.handlers["console"]:
                handler(ConsoleMessage(kind, text, location))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text")
            for handler in self.handlers["pageerror"]:
                handler(text)

    # ------------------------------------------------------------------ Playwright-like API
    def on(self, event: str, handler: Callable[[Any], None]) -> None:
        self.handlers.setdefault(event, []).append(handler)

    def set_default_timeout(self, ms: float) -> None:
        self.timeout_ms = ms

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for_function(
            "() => location.href !== 'about:blank' && document.readyState === 'complete'"
        )

    def evaluate(self, script: str, arg: Any = None) -> Any:
        expression = (
            f"(async () => {{ const __f = ({script});\n"
            f"return typeof __f === 'function' ? await __f({json.dumps(arg)}) : __f; }})()"
        )
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text")
            raise CdpError(f"page code threw: {text}")
        return result["result"].get("value")

    def wait_for_function(
        self, script: str, arg: Any = None, timeout: float | None = None, polling: float = 100
    ) -> Handle:
        end = time.monotonic() + (self.timeout_ms if timeout is None else timeout) / 1000
        while True:
            value = self.evaluate(script, arg)
            if value:
                return Handle(value)
            if time.monotonic() > end:
                raise TimeoutError(f"wait_for_function timed out: {script[:120]}")
            self.conn.drain(polling / 1000)

    def wait_for_selector(self, selector: str, timeout: float | None = None) -> None:
        self.wait_for_function(
            "(s) => !!document.querySelector(s)", arg=selector, timeout=timeout, polling=100
        )

    def wait_for_timeout(self, ms: float) -> None:
        self.conn.drain(ms / 1000)

    def locator(self, selector: str) -> Locator:
        return Locator(self, selector)

    def screenshot(self, path: str, clip: dict[str, float] | None = None) -> None:
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params["clip"] = {**clip, "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.conn.listeners.pop(self.session, None)
        self.conn.send("Target.closeTarget", {"targetId": self.target})


@dataclass
class Handle:
    value: Any

    def json_value(self) -> Any:
        return self.value


_FIND = """([selector, has, index]) => {
  let found = [...document.querySelectorAll(selector)];
  if (has) found = found.filter((el) => el.querySelector(has));
  return found[index] ?? null;
}"""


class Locator:
    """A CSS selector (optionally filtered to elements holding another), one match of it."""

    def __init__(self, page: Page, selector: str, has: str | None = None, index: int = 0):
        self.page, self.selector, self.has, self.index = page, selector, has, index

    @property
    def first(self) -> Locator:
        return Locator(self.page, self.selector, self.has, 0)

    def nth(self, index: int) -> Locator:
        return Locator(self.page, self.selector, self.has, index)

    def filter(self, has: Locator) -> Locator:
        return Locator(self.page, self.selector, has.selector, self.index)

    def _call(self, body: str, extra: Any = None) -> Any:
        script = (
            "([args, extra]) => { const el = ("
            + _FIND
            + ")(args); if (!el) throw new Error('no element for ' + args[0]); "
            + body
            + " }"
        )
        return self.page.evaluate(script, [[self.selector, self.has, self.index], extra])

    def wait_for(self, state: str = "visible", timeout: float | None = None) -> None:
        self.page.wait_for_function(
            "(args) => { const el = (" + _FIND + ")(args); "
            "return !!el && el.getBoundingClientRect().width > 0; }",
            arg=[self.selector, self.has, self.index],
            timeout=timeout,
        )

    def scroll_into_view_if_needed(self) -> None:
        self._call("el.scrollIntoView({block: 'nearest', inline: 'nearest'}); return true;")
        self.page.wait_for_timeout(50)

    def bounding_box(self) -> dict[str, float]:
        return self._call(
            "const r = el.getBoundingClientRect();"
            " return {x: r.left, y: r.top, width: r.width, height: r.height};"
        )

    def get_attribute(self, name: str) -> str | None:
        return self._call("return el.getAttribute(extra);", name)

    def screenshot(self, path: str) -> None:
        self.scroll_into_view_if_needed()
        box = self.bounding_box()
        scroll = self.page.evaluate("() => [window.scrollX, window.scrollY]")
        clip = {
            "x": box["x"] + scroll[0],
            "y": box["y"] + scroll[1],
            "width": max(1, box["width"]),
            "height": max(1, box["height"]),
        }
        self.page.screenshot(path=path, clip=clip)

    def click(self, position: dict[str, float] | None = None) -> None:
        self.scroll_into_view_if_needed()
        box = self.bounding_box()
        at = position or {"x": box["width"] / 2, "y": box["height"] / 2}
        x, y = box["x"] + at["x"], box["y"] + at["y"]
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.up()


class Mouse:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.x = 0.0
        self.y = 0.0
        self.pressed = False

    def _dispatch(self, kind: str, **extra: Any) -> None:
        params = {
            "type": kind,
            "x": self.x,
            "y": self.y,
            "button": "left" if self.pressed or kind == "mouseReleased" else "none",
            "buttons": 1 if self.pressed else 0,
            "clickCount": 1 if kind in ("mousePressed", "mouseReleased") else 0,
            **extra,
        }
        self.page.send("Input.dispatchMouseEvent", params)

    def move(self, x: float, y: float, steps: int = 1) -> None:
        x0, y0 = self.x, self.y
        for k in range(1, max(1, steps) + 1):
            self.x = x0 + (x - x0) * k / max(1, steps)
            self.y = y0 + (y - y0) * k / max(1, steps)
            self._dispatch("mouseMoved")

    def down(self) -> None:
        self.pressed = True
        self._dispatch("mousePressed")

    def up(self) -> None:
        self.pressed = False
        self._dispatch("mouseReleased")

    def wheel(self, delta_x: float, delta_y: float) -> None:
        self._dispatch("mouseWheel", deltaX=delta_x, deltaY=delta_y)


#: The keys the benchmarks press, with their Windows virtual key codes.
KEY_CODES = {"Escape": 27, "Enter": 13}


class Keyboard:
    def __init__(self, page: Page) -> None:
        self.page = page

    def press(self, key: str) -> None:
        code = KEY_CODES[key]
        for kind in ("keyDown", "keyUp"):
            self.page.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code},
            )


DRIVERS = ("cdp", "playwright")


def add_driver_argument(parser: argparse.ArgumentParser) -> None:
    """The benchmarks' ``--driver`` option (``launch``'s first argument)."""
    parser.add_argument(
        "--driver",
        choices=DRIVERS,
        default="cdp",
        help="cdp: Chromium over raw CDP with no network watch (see cdp_driver.py); "
        "playwright: Playwright, which slows websocket transfers",
    )


@contextmanager
def launch(driver: str, executable: str, args: list[str]) -> Iterator[Any]:
    """A browser with ``new_context(viewport=...)``, ``version`` and ``close()``:
    this module's quiet driver (``cdp``) or Playwright's (``playwright``)."""
    if driver == "cdp":
        browser = Browser(executable, args)
        try:
            yield browser
        finally:
            browser.close()
        return
    if driver != "playwright":
        raise ValueError(f"driver must be one of {DRIVERS}, got {driver!r}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            yield browser
        finally:
            browser.close()
