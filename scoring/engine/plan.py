"""The executable half of a definition, built once by ``parse_definition``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scoring.engine.model import Item, Option, Rule, Score
from scoring.engine.rules.compiler import Compiled
from scoring.engine.rules.values import Env
from scoring.engine.scorers import Scorer


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    rule: Rule
    condition: Compiled
    #: Names read through change(): their previous value joins the because-trail.
    changed: frozenset[str]


#: One step of loading answers: an item's enable-when test, or a scorer.
EnableStep = tuple[str, Callable[[Env], bool | None]]
Step = EnableStep | Scorer


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """Lookup tables and closures ``evaluate`` runs, in dependency order."""

    items: Mapping[str, Item]
    item_order: tuple[Item, ...]
    options: Mapping[str, Mapping[str, Option]]
    scores: Mapping[str, Score]
    #: Every item's enable-when test and every scorer, each after what it
    #: reads (an item gated on a score comes after that score's scorer).
    steps: tuple[Step, ...]
    #: How many of ``steps`` decide which items are asked (the rest only score).
    asking: int
    scorers: tuple[Scorer, ...]
    rules: tuple[CompiledRule, ...]
    #: An item's linkId alias (``link_id``) → its id, for answers keyed by linkId.
    aliases: Mapping[str, str] = field(default_factory=dict)
