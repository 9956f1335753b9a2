"""The five Danish regions and the number a patient calls out of hours.

Each organisation belongs to a region (``Organisation.region``); every page,
message and patient text that names the out-of-hours line uses the clinic's
region, never a fixed number. The numbers are data with their source: each
region runs its own line (Region Hovedstaden's is *Akuttelefonen* 1813, the
others are *lægevagten*).

The numbers are **as found in the clinical review** (issue 14) and must be
checked against each region's own page (``source_url``) before a clinic goes
live — nobody on the team has checked them against those pages yet
(``checked_on`` is empty until someone has).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Region:
    code: str
    name: Promise
    #: The line's name as patients know it ("Akuttelefonen", "lægevagten").
    line: Promise
    #: As written for people ("70 11 31 31").
    phone: str
    #: The region's own site, where its page on the line is to be found. Only
    #: the site is recorded: the exact page was not reachable from where the
    #: numbers were entered, and a guessed deep link would look checked.
    source_url: str
    #: ISO date of the last check against ``source_url``; empty: never checked.
    checked_on: str = ""

    @property
    def source_note(self) -> str:
        """Where the number came from, and whether anyone has checked it there."""
        if self.checked_on:
            return f"Checked against {self.source_url} on {self.checked_on}."
        return _UNCHECKED.format(url=self.source_url)

    @property
    def tel(self) -> str:
        """For ``tel:`` links: digits only."""
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


_UNCHECKED = (
    "As found in the clinical review (issue 14); to be checked against the region's own"
    " page on {url}."
)

REGIONS: dict[str, Region] = {
    region.code: region
    for region in (
        Region(
            code="hovedstaden",
            name=_("Capital Region of Denmark"),
            line=_("Akuttelefonen"),
            phone="1813",
            source_url="https://www.regionh.dk/",
        ),
        Region(
            code="sjaelland",
            name=_("Region Zealand"),
            line=_("the medical helpline (lægevagten)"),
            phone="1818",
            source_url="https://www.regionsjaelland.dk/",
        ),
        Region(
            code="midtjylland",
            name=_("Central Denmark Region"),
            line=_("the medical helpline (lægevagten)"),
            phone="70 11 31 31",
            source_url="https://www.rm.dk/",
        ),
        Region(
            code="syddanmark",
            name=_("Region of Southern Denmark"),
            line=_("the medical helpline (lægevagten)"),
            phone="70 11 07 07",
            source_url="https://regionsyddanmark.dk/",
        ),
        Region(
            code="nordjylland",
            name=_("North Denmark Region"),
            line=_("the medical helpline (lægevagten)"),
            phone="70 15 03 00",
            source_url="https://rn.dk/",
        ),
    )
}

REGION_CHOICES = [(region.code, region.name) for region in REGIONS.values()]


def region_for(code: str) -> Region | None:
    """The region of that code; None for an organisation whose region is not set."""
    return REGIONS.get(code)


def regions_context(request: HttpRequest) -> dict[str, list[Region]]:
    """Context processor: every region, for pages of a clinic whose region is not set."""
    return {"all_regions": list(REGIONS.values())}
