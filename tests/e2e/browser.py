"""Headless Chromium for browser tests: Debian's `chromium` driven by Playwright (never a browser
that Playwright downloads). `.ci/run` installs chromium when it is missing; on a developer's machine
without it the browser tests are skipped, in CI they fail.

The flags keep Chromium off the network (this machine's closed network refuses its background
connections) and give it a fake camera that plays a file: the badge a test holds up to the scanner.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FORUM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def require_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium package)")
        pytest.skip("chromium is not installed (apt install chromium)")
    return CHROMIUM


@contextmanager
def chromium(camera_file: Path | None = None, **context_options):
    """A browser context; with `camera_file` (.y4m or .mjpeg) the camera shows that file."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    args = list(QUIET_FLAGS)
    if camera_file is not None:
        args += [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_file}",
        ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            context = browser.new_context(**context_options)
            if camera_file is not None:
                context.grant_permissions(["camera"])
            yield context
            context.close()
        finally:
            browser.close()


def write_y4m(image, path: Path, width: int = 1280, height: int = 960) -> Path:
    """A one-frame YUV4MPEG2 video (Chromium's fake camera loops it) of a PIL image, centred on white."""
    from PIL import Image

    frame = Image.new("RGB", (width, height), "white")
    picture = image.convert("RGB")
    picture.thumbnail((width - 40, height - 40))
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n")
        out.write(y.tobytes())
        out.write(cb.resize(half).tobytes())
        out.write(cr.resize(half).tobytes())
    return path
