"""The five Danish regions and the number a patient calls out of hours.

Each organisation belongs to a region (``Organisation.region``); every page,
message and patient text that names the out-of-hours line uses the clinic's
region, never a fixed number. The numbers are data with their source: each
region runs its own line (Region Hovedstaden's is *Akuttelefonen* 1813, the
others are *lægevagten*).

The numbers are **as found in the clinical review** (issue 14) and must be
checked against each region's own page (``source_url``) before a clinic goes
live — nobody has checked them on the live pages yet (``checked_on`` is empty
until someone has). Three were read on stored copies of the regions' own pages
on 2026-12-07 (``copy_checked_on``: the Capital Region's 1813, Southern
Denmark's 70 11 07 07, and Central Denmark's 70 11 31 31 on the regions' joint
site laegevagten.dk). Zealand's 1818 was found only in news quoting the
region's press release (bt.dk, 2022; Dagens Medicin, 2024) and North Denmark's
70 15 03 00 only on a municipality's page (hjoerring.dk) and Wikipedia: both
stay "as found".

Each region also says how its patients reach a **psychiatric emergency
department** (*psykiatrisk akutmodtagelse*): walk in, day and night, in some
regions; referral by the own doctor or the out-of-hours line first in others.
No number is given for it: a region has several departments, and no single
number was found that could honestly stand for them. Where nothing
region-specific was found, the text is the general one (the own doctor or the
out-of-hours line refers). Every such text was found in stored copies of the
regions' pages, not on the live pages, and is to be checked like the numbers.

Livslinien (``LIVSLINIEN``) is national: its number and opening hours are
data here too, to be checked against its own site.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: True in every region: the own doctor or the out-of-hours line can refer.
GENERAL_PSYCHIATRIC_EMERGENCY: Promise = _(
    "your own doctor, or the medical helpline when your doctor is closed, can refer you to one."
)


@dataclass(frozen=True)
class Region:
    code: str
    name: Promise
    #: The line's name as patients know it ("Akuttelefonen", "lægevagten").
    line: Promise
    #: As written for people ("70 11 31 31").
    phone: str
    #: The page the number was checked against when there is one (a stored copy
    #: of it was read, ``copy_checked_on``); otherwise the region's own site.
    source_url: str
    #: ISO date of the last check against the live ``source_url``; empty: never checked.
    checked_on: str = ""
    #: ISO date on which the number was read on a stored copy of ``source_url``
    #: (this network reaches no live page): better than nothing, not a check.
    copy_checked_on: str = ""
    #: How a patient of this region reaches a psychiatric emergency department,
    #: in the patient's words (a sentence after "Psychiatric emergency department:").
    psychiatric_emergency: Promise = field(default_factory=lambda: GENERAL_PSYCHIATRIC_EMERGENCY)
    #: The page the text was found on (a stored copy); empty: the general text.
    psychiatric_source_url: str = ""
    #: ISO date of the last check against the region's live page; empty: never checked.
    psychiatric_checked_on: str = ""

    @property
    def source_note(self) -> str:
        """Where the number came from, and whether anyone has checked it there."""
        if self.checked_on:
            return f"Checked against {self.source_url} on {self.checked_on}."
        if self.copy_checked_on:
            return _COPY_CHECKED.format(url=self.source_url, on=self.copy_checked_on)
        return _UNCHECKED.format(url=self.source_url)

    @property
    def psychiatric_source_note(self) -> str:
        """Where the psychiatric emergency text came from, and whether anyone has checked it."""
        if self.psychiatric_checked_on:
            page = self.psychiatric_source_url or self.source_url
            return f"Checked against {page} on {self.psychiatric_checked_on}."
        if self.psychiatric_source_url:
            return _PSYCHIATRIC_FOUND.format(url=self.psychiatric_source_url)
        return _PSYCHIATRIC_GENERAL.format(url=self.source_url)

    @property
    def tel(self) -> str:
        """For ``tel:`` links: digits only."""
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


_UNCHECKED = (
    "As found in the clinical review (issue 14); to be checked against the region's own"
    " page on {url}."
)
_COPY_CHECKED = (
    "Read on {on} on a stored copy of {url} (not the live page); to be checked against the"
    " live page before a clinic goes live."
)
_PSYCHIATRIC_FOUND = (
    "As found in a stored copy of {url} (not the live page); to be checked against the"
    " region's own page."
)
_PSYCHIATRIC_GENERAL = (
    "General text: how this region receives psychiatric emergencies was not found; to be"
    " checked against the region's own pages on {url}."
)


@dataclass(frozen=True)
class Helpline:
    """A national line (Livslinien): its number and opening hours, with their source."""

    name: str
    #: As written for people ("70 201 201").
    phone: str
    #: For ``tel:`` links, with the country code.
    tel: str
    hours: Promise
    source_url: str
    #: ISO date of the last check against ``source_url``; empty: never checked.
    checked_on: str = ""

    @property
    def source_note(self) -> str:
        if self.checked_on:
            return f"Checked against {self.source_url} on {self.checked_on}."
        return (
            f"As stated in the clinical review (issue 14); to be checked against {self.source_url}."
        )


LIVSLINIEN = Helpline(
    name="Livslinien",
    phone="70 201 201",
    tel="+4570201201",
    hours=_("every day from 11 am to 5 am"),
    source_url="https://www.livslinien.dk/",
)

REGIONS: dict[str, Region] = {
    region.code: region
    for region in (
        Region(
            code="hovedstaden",
            name=_("Capital Region of Denmark"),
            line=_("Akuttelefonen"),
            phone="1813",
            source_url=(
                "https://www.regionh.dk/presse-og-nyt/pressemeddelelser-og-nyheder/Sider/"
                "Fakta-om-1813.aspx"
            ),
            copy_checked_on="2026-12-07",
            psychiatric_emergency=_(
                "you can go to one day and night, without a referral (on Bornholm: call 1813)."
            ),
            psychiatric_source_url=(
                "https://www.psykiatri-regionh.dk/undersoegelse-og-behandling/"
                "Tvaersektorielt-samarbejde/Samarbejdsaftaler/voksne/behandlingsforloeb/"
                "Sider/Akut-behandling.aspx"
            ),
        ),
        Region(
            code="sjaelland",
            name=_("Region Zealand"),
            line=_("the medical helpline (lægevagten)"),
            phone="1818",
            source_url="https://www.regionsjaelland.dk/",
            # 1818 has been the one way in to the out-of-hours doctor, the emergency
            # departments and the psychiatric emergency departments since 1 October
            # 2022 (the region's press release, as quoted by bt.dk on 30 September
            # 2022); a 2019 page said "walk in at Roskilde, Slagelse or Vordingborg".
            psychiatric_emergency=_(
                "call 1818 first: it is also the way in to the psychiatric emergency departments."
            ),
            psychiatric_source_url=(
                "https://www.bt.dk/samfund/nyt-akuttelefonnummer-over-800000-skal-nu-benytte-det"
            ),
        ),
        Region(
            code="midtjylland",
            name=_("Central Denmark Region"),
            line=_("the medical helpline (lægevagten)"),
            phone="70 11 31 31",
            # laegevagten.dk: the regions' own joint site for the out-of-hours line.
            source_url="https://laegevagten.dk/en/region/central/medical-helpline",
            copy_checked_on="2026-12-07",
            psychiatric_emergency=_(
                "call your own doctor or the medical helpline first: they refer you to one."
            ),
            psychiatric_source_url=(
                "https://www.psykiatrien.rm.dk/klinikker-og-sengeafsnit/"
                "aarhus-universitetshospital-psykiatrien/akut-psykiatri/"
            ),
        ),
        Region(
            code="syddanmark",
            name=_("Region of Southern Denmark"),
            line=_("the medical helpline (lægevagten)"),
            phone="70 11 07 07",
            source_url=(
                "https://regionsyddanmark.dk/patienter-og-parorende/akuthjaelp/"
                "sygdomme-og-mindre-skader-laegevagt-i-region-syddanmark/"
                "laegevagt-i-region-syddanmark"
            ),
            copy_checked_on="2026-12-07",
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


def regions_context(request: HttpRequest) -> dict[str, object]:
    """Context processor: every region, for pages of a clinic whose region is not set,
    and Livslinien's number and hours."""
    return {"all_regions": list(REGIONS.values()), "livslinien": LIVSLINIEN}
