"""A system check warns when a library WeasyPrint needs is missing."""

from __future__ import annotations

import ctypes.util

from pro_portal.checks import check_system_libraries


def test_no_warning_when_every_library_is_installed() -> None:
    # scripts/setup.sh installs them; this machine is set up by it.
    assert check_system_libraries() == []


def test_a_missing_harfbuzz_subset_library_is_named_with_its_package(monkeypatch) -> None:
    real = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if name == "harfbuzz-subset" else real(name)
    )
    warnings = check_system_libraries()
    assert [w.id for w in warnings] == ["pro_portal.W001"]
    assert "harfbuzz-subset" in warnings[0].msg
    assert warnings[0].hint == "apt-get install libharfbuzz-subset0"
