"""The badge code's QR matrix, from the `qrcode` library, with its mask chosen quickly.

A QR symbol is XOR-ed with one of eight mask patterns; ISO/IEC 18004 asks for the one whose matrix
scores the lowest penalty (long runs, 2×2 blocks, finder-like patterns, dark/light balance), so
that a scanner reads it easily. `qrcode` finds it by placing the data eight times and scoring each
matrix module by module, in pure Python: about 2.5 ms of the 3 ms one badge takes.

`best_mask(qr)` gives the same mask as `qrcode.QRCode.best_mask_pattern` (same penalty rules, same
quirks: the format and version information count as light while masks are tried, and nothing
outside the symbol counts), from one placement of the data by the library: the matrix is held as
one integer, each row n bits followed by one light guard bit, and every penalty rule becomes a
handful of shifts, ANDs and bit counts over all rows or all columns at once. The library then
builds the matrix with that mask, so the modules drawn are the library's own.
"""

from __future__ import annotations

import functools

import qrcode
import qrcode.util


@functools.cache
def _layout(version: int) -> tuple[int, int, tuple[int, ...]]:
    """For one QR version: the row stride in bits (n + 1: a guard bit ends each row), the bits of
    every module, and per mask the data modules that mask 0 and that
    mask treat differently (XOR-ing them turns the matrix masked with 0 into the one masked with it)."""
    blank = qrcode.QRCode(version=version)
    count = blank.modules_count = version * 4 + 17
    blank.modules = [[None] * count for _ in range(count)]
    for row, column in ((0, 0), (count - 7, 0), (0, count - 7)):
        blank.setup_position_probe_pattern(row, column)
    blank.setup_position_adjust_pattern()
    blank.setup_timing_pattern()
    blank.setup_type_info(True, 0)
    if version >= 7:
        blank.setup_type_number(True)
    stride = count + 1
    modules = 0
    masked = [0] * 8
    functions = [qrcode.util.mask_func(pattern) for pattern in range(8)]
    for row in range(count):
        for column in range(count):
            bit = 1 << (row * stride + column)
            modules |= bit
            if blank.modules[row][column] is None:
                for pattern, function in enumerate(functions):
                    if function(row, column):
                        masked[pattern] |= bit
    return stride, modules, tuple(masked[0] ^ masked[pattern] for pattern in range(8))


def _as_bits(matrix: list[list[bool | None]], stride: int) -> int:
    """The matrix as one integer: module (row, column) is bit row * stride + column."""
    text = "".join("0" + "".join("1" if module else "0" for module in reversed(row)) for row in reversed(matrix))
    return int(text, 2)


def _runs(lines: int, step: int) -> int:
    """Penalty 1 for one colour: each run of five or more like modules in a row (step 1) or column
    (step stride) scores its length minus two."""
    five = lines & (lines >> step) & (lines >> 2 * step) & (lines >> 3 * step) & (lines >> 4 * step)
    return five.bit_count() + 2 * (five & ~(five << step)).bit_count()


def _blocks(lines: int, stride: int) -> int:
    """Penalty 2 for one colour: 3 for each 2×2 block of like modules (overlapping blocks count)."""
    return 3 * (lines & (lines >> 1) & (lines >> stride) & (lines >> (stride + 1))).bit_count()


def _finder_like(dark: int, light: int, step: int) -> int:
    """Penalty 3: 40 for each 1:1:3:1:1 dark:light:dark:light:dark run with four light modules
    after it (10111010000) or before it (00001011101), along rows (step 1) or columns (step stride)."""
    d = [dark >> (k * step) for k in range(11)]
    li = [light >> (k * step) for k in range(11)]
    common = li[1] & d[4] & li[5] & d[6] & li[9]
    after = common & d[0] & d[2] & d[3] & li[7] & li[8] & li[10]
    before = common & li[0] & li[2] & li[3] & d[7] & d[8] & d[10]
    return 40 * (after.bit_count() + before.bit_count())


def penalty(matrix_bits: int, stride: int, modules: int, count: int) -> int:
    """qrcode.util.lost_point of the matrix given as bits (see _layout), computed on all lines at once."""
    dark = matrix_bits
    light = modules & ~dark
    score = 0
    for colour in (dark, light):
        score += _runs(colour, 1) + _runs(colour, stride) + _blocks(colour, stride)
    score += _finder_like(dark, light, 1) + _finder_like(dark, light, stride)
    percent = float(dark.bit_count()) / (count**2)
    return score + int(abs(percent * 100 - 50) / 5) * 10


def best_mask(qr: qrcode.QRCode) -> int:
    """The mask qr.best_mask_pattern() would choose, for a QRCode whose version is set (make's
    best_fit has run). Places the data once, with mask 0, in test mode as the library does."""
    qr.makeImpl(True, 0)
    stride, modules, changes = _layout(qr.version)
    first = _as_bits(qr.modules, stride)
    scores = [penalty(first ^ change, stride, modules, qr.modules_count) for change in changes]
    return scores.index(min(scores))


class _QRCode(qrcode.QRCode):
    def best_mask_pattern(self) -> int:
        return best_mask(self)


def qr_matrix(code: str) -> list[list[bool]]:
    """The QR's modules (True = dark), quiet zone of 4 modules included. The code (0-9, A-Z) goes in
    alphanumeric mode, error correction M; the mask is the library's choice, found by best_mask."""
    qr = _QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    if qr.data_list[0].mode != qrcode.util.MODE_ALPHA_NUM:
        raise ValueError("A badge code must be written with 0-9 and A-Z only")
    return qr.get_matrix()
