"""The badge QR's mask: forum.badges.qr.best_mask must choose exactly what qrcode would choose."""

from __future__ import annotations

import random
import string

import pytest
import qrcode

from forum.badges import qr
from forum.badges.services import new_code

ALPHANUMERIC = string.digits + string.ascii_uppercase
LEVELS = [
    qrcode.constants.ERROR_CORRECT_L,
    qrcode.constants.ERROR_CORRECT_M,
    qrcode.constants.ERROR_CORRECT_Q,
    qrcode.constants.ERROR_CORRECT_H,
]


def fitted(data: str, level: int) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=level)
    code.add_data(data)
    code.best_fit()
    return code


@pytest.mark.parametrize("level", LEVELS)
def test_the_mask_is_the_one_qrcode_chooses_for_every_version_a_code_can_take(level):
    """Versions 1 to 7 and more (7 and up carry version information); most masks among the answers."""
    chosen = set()
    versions = set()
    for length in range(1, 230, 6):
        for seed in range(2):
            pick = random.Random(length * 10 + seed).choice
            data = "".join(pick(ALPHANUMERIC) for _ in range(length))
            expected = fitted(data, level).best_mask_pattern()
            ours = fitted(data, level)
            assert qr.best_mask(ours) == expected, (data, level)
            chosen.add(expected)
            versions.add(ours.version)
    assert {1, 2, 7} <= versions
    assert len(chosen) >= 6


def test_a_badge_code_gives_the_matrix_qrcode_makes_itself():
    for _ in range(200):
        code = new_code()
        library = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        library.add_data(code)
        library.make(fit=True)
        assert qr.qr_matrix(code) == library.get_matrix()


def test_the_penalty_of_a_matrix_is_qrcodes_lost_point():
    for seed in range(50):
        pick = random.Random(seed).choice
        data = "".join(pick(ALPHANUMERIC) for _ in range(40))
        code = fitted(data, qrcode.constants.ERROR_CORRECT_M)
        for mask in range(8):
            code.makeImpl(True, mask)
            stride, modules, _changes = qr._layout(code.version)
            bits = qr._as_bits(code.modules, stride)
            assert qr.penalty(bits, stride, modules, code.modules_count) == qrcode.util.lost_point(code.modules)


def test_a_code_outside_0_9_and_a_z_is_refused():
    with pytest.raises(ValueError, match="0-9 and A-Z"):
        qr.qr_matrix("abc")
