"""System checks for what pip cannot install: the libraries WeasyPrint loads."""

from __future__ import annotations

import ctypes.util
from typing import Any

from django.core import checks

# (library name for ctypes, Debian package, why it matters)
SYSTEM_LIBRARIES = [
    ("pango-1.0", "libpango-1.0-0", "WeasyPrint cannot render summary PDFs without Pango."),
    ("pangoft2-1.0", "libpangoft2-1.0-0", "WeasyPrint cannot render summary PDFs without Pango."),
    (
        "harfbuzz-subset",
        "libharfbuzz-subset0",
        "Without HarfBuzz's subsetting library WeasyPrint embeds whole fonts and "
        "renders PDFs several times slower.",
    ),
    ("fontconfig", "fontconfig", "WeasyPrint finds no fonts without fontconfig."),
]


def missing_libraries() -> list[tuple[str, str, str]]:
    return [lib for lib in SYSTEM_LIBRARIES if ctypes.util.find_library(lib[0]) is None]


@checks.register(checks.Tags.compatibility)
def check_system_libraries(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Warning(
            f"System library {name} is missing. {why}",
            hint=f"apt-get install {package}",
            id="pro_portal.W001",
        )
        for name, package, why in missing_libraries()
    ]
