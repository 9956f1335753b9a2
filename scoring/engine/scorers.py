"""Data-driven scorers: one shape for every instrument.

A score is a sum or mean of terms, a count of the terms answered, or a
formula. Per term the steps are
always the same, so an instrument is described in data, not code:

1. the answer's ordinal value, or its entry in a ``lookup`` table (value
   sets, e.g. EQ-5D-5L, or recodings such as STarT Back item 9);
2. ``reverse``: min + max − value (reverse-scored items);
3. the larger of a group (``{max: [mdi.8a, mdi.8b]}``, Bech et al. 2001);
4. ``weights`` (weighted sum or weighted mean);
5. missing items: at most ``prorate_up_to`` missing terms are prorated
   (sum × total weight / answered weight; a mean is over the answered
   terms), more leave the score unscored — or, with ``counts_as_zero``, a
   sum is that of the answered terms (0 when none is answered);
6. ``multiply``/``add`` (e.g. WHO-5 raw × 4, Topp et al. 2015), then
   rounding half up to ``decimals`` and the band.

Disabled items (enable-when) are neither answered nor missing: they drop out
of the score, and a score whose items are all disabled is not applicable. A
score with its own enable-when (a gate: GAD-7 only when GAD-2 >= 3) is not
applicable when the gate is false, so it is never a sum of the items asked
under another score's name; not scored when the gate cannot be decided.
Proration changes only the score, never the answers rules read.

A ``count`` is the number of terms answered (a missing one counts 0), as
FHIRPath's ``answer.count()`` over single-answer items.

A score imported from FHIR that none of these express keeps its FHIRPath
expression (``method: fhirpath``, scoring/engine/fhirpath_score.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal

from scoring.engine.fhirpath_score import FhirpathScore
from scoring.engine.model import Band, Number, Score
from scoring.engine.results import ScoreResult
from scoring.engine.rules.compiler import Compiled, unknowns
from scoring.engine.rules.values import NA, Env, Range

SCORED, NOT_SCORED, NOT_APPLICABLE = "scored", "not_scored", "not_applicable"

# Wide enough for any float: values are first cleaned of binary noise at
# 9 decimals (0.49000000000000005 → 0.49), then rounded half up.
_DECIMAL = Context(prec=400)
_NOISE = Decimal("1e-9")


def to_decimal(value: Number) -> Decimal:
    return Decimal(repr(value))


def round_half_up(value: Number, decimals: int) -> Number | None:
    """``value`` rounded half away from zero; ``None`` if it is not finite.

    An int when ``decimals`` is 0, so that 14 is stored and shown as 14.
    """
    if decimals == 0 and value.__class__ is int:
        return value  # the common case: a sum of whole numbers
    if not math.isfinite(value):
        return None
    clean = to_decimal(value).quantize(_NOISE, context=_DECIMAL)
    rounded = clean.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP, _DECIMAL)
    return int(rounded) if decimals == 0 else float(rounded) + 0.0


def find_band(bands: tuple[Band, ...], value: Number) -> Band | None:
    for band in bands:
        if band.min <= value <= band.max:
            return band
    return None


#: (id, lookup table or None, min + max for reverse scoring or None)
Member = tuple[str, Mapping[str, Number] | None, Number | None]


class Scorer:
    """Computes one score into ``env`` (so later scores and rules read it)."""

    __slots__ = ("fhirpath", "formula", "gate", "names", "score", "terms")

    def __init__(
        self,
        score: Score,
        terms: tuple[tuple[tuple[Member, ...], Number], ...],
        formula: Compiled | None,
        names: tuple[str, ...],
        fhirpath: FhirpathScore | None = None,
        gate: Callable[[Env], bool | None] | None = None,
    ) -> None:
        self.score = score
        self.terms = terms
        self.formula = formula
        self.names = names
        self.fhirpath = fhirpath
        self.gate = gate

    def __call__(self, env: Env, done: Mapping[str, ScoreResult]) -> ScoreResult:
        opened = True if self.gate is None else self.gate(env)
        if opened is False:  # not asked by design: no value, and not missing
            result = self.result(None, NOT_APPLICABLE, [], [], done)
        elif opened is None:  # the gate itself lacks answers: those are missing
            result = self.result(None, NOT_SCORED, [], self.gate_missing(env), done)
        elif self.formula is not None:
            result = self.from_formula(self.formula, env, done)
        elif self.fhirpath is not None:
            outcome = self.fhirpath.evaluate(env)
            status = NOT_APPLICABLE if outcome.not_applicable else NOT_SCORED
            status = SCORED if outcome.value is not None else status
            result = self.result(outcome.value, status, outcome.used, outcome.missing, done)
        else:
            result = self.from_terms(env, done)
        if result.value is not None:
            env.num[result.id] = result.value
            env.answered.add(result.id)
        elif result.status == NOT_APPLICABLE:
            env.na.add(result.id)
        return result

    def gate_missing(self, env: Env) -> list[str]:
        """What the gate read that has no value and is not "not asked"."""
        enable = self.score.enable_when
        assert enable is not None
        names = dict.fromkeys(c.item for c in enable.conditions)
        return [name for name in names if name not in env.answered and name not in env.na]

    def from_terms(self, env: Env, done: Mapping[str, ScoreResult]) -> ScoreResult:
        total: Number = 0
        weight_answered: Number = 0
        weight_enabled: Number = 0
        missing_terms = 0
        answered_terms = 0
        used: list[str] = []
        missing: list[str] = []
        for members, weight in self.terms:
            best: Number | None = None
            absent: list[str] = []
            for member_id, table, flip in members:
                if table is not None:
                    code = env.code.get(member_id)
                    value = None if code is None else table[code]
                else:
                    value = env.num.get(member_id)
                if value is None:
                    if member_id not in env.na:
                        absent.append(member_id)
                    continue
                if flip is not None:
                    value = flip - value
                used.append(member_id)
                if best is None or value > best:
                    best = value
            if best is not None:
                answered_terms += 1
                total += weight * best
                weight_answered += weight
                weight_enabled += weight
            elif absent:
                missing_terms += 1
                missing.extend(absent)
                weight_enabled += weight
        score = self.score
        if weight_enabled == 0:
            return self.result(None, NOT_APPLICABLE, used, missing, done)
        if score.method == "count":
            return self.result(answered_terms, SCORED, used, missing, done)
        if score.counts_as_zero:  # FHIRPath's sum(): the answered terms, 0 when none
            return self.result(total, SCORED, used, missing, done)
        if missing_terms > score.prorate_up_to or weight_answered == 0:
            return self.result(None, NOT_SCORED, used, missing, done)
        if score.method == "mean":
            raw = total / weight_answered
        elif missing_terms:
            raw = total * weight_enabled / weight_answered
        else:
            raw = total
        return self.result(raw, SCORED, used, missing, done, prorated=missing_terms > 0)

    def from_formula(
        self, formula: Compiled, env: Env, done: Mapping[str, ScoreResult]
    ) -> ScoreResult:
        value = formula.fn(env)
        used = [name for name in self.names if name in env.answered]
        if value is NA:
            return self.result(None, NOT_APPLICABLE, used, [], done)
        if value is None or value.__class__ is Range:
            absent: dict[str, None] = {}
            unknowns(formula, env, absent)
            return self.result(None, NOT_SCORED, used, list(absent), done)
        return self.result(value, SCORED, used, [], done)

    def result(
        self,
        raw: Number | None,
        status: str,
        used: list[str],
        missing: list[str],
        done: Mapping[str, ScoreResult],
        prorated: bool = False,
    ) -> ScoreResult:
        score = self.score
        value = (
            None if raw is None else round_half_up(raw * score.multiply + score.add, score.decimals)
        )
        if value is None and status == SCORED:
            status = NOT_SCORED  # an infinite value, e.g. a formula dividing by a tiny number
        band = None if value is None else find_band(score.bands, value)
        return ScoreResult(
            id=score.id,
            label=score.label,
            value=value,
            status=status,
            band=None if band is None else band.code,
            band_label={} if band is None else band.label,
            items_used=tuple(used),
            items_missing=expand_missing(missing, done),
            prorated=prorated,
        )


def expand_missing(names: list[str], done: Mapping[str, ScoreResult]) -> tuple[str, ...]:
    """Replace each unscored score in ``names`` by the items it is missing."""
    expanded: dict[str, None] = {}
    for name in names:
        sub = done.get(name)
        if sub is None:
            expanded[name] = None
        else:
            expanded.update(dict.fromkeys(sub.items_missing))
    return tuple(expanded)
