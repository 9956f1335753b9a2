"""``parse_definition``: validate a resolved definition mapping and compile it.

The mapping is what ``questionnaires/library.py`` reads from YAML, includes
resolved (format: docs/definitions.md). Validation collects *every* problem
rather than stopping at the first, so an author fixes a file in one pass;
nothing is compiled into a :class:`Definition` unless there are none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from scoring.engine.answers import describe
from scoring.engine.errors import DefinitionError
from scoring.engine.fhirpath_score import TYPED_OPTIONS
from scoring.engine.model import (
    NO_TEXT,
    Definition,
    Instrument,
    PatientGroup,
    Provenance,
    Score,
    Section,
    Text,
)
from scoring.engine.parse.base import ID, located, topological
from scoring.engine.parse.fhir import FhirReader
from scoring.engine.parse.rules import RulesReader
from scoring.engine.parse.scores import ScoresReader
from scoring.engine.parse.vectors import VectorsReader
from scoring.engine.plan import Plan, Step
from scoring.engine.rules.compiler import Symbol
from scoring.engine.rules.values import Env
from scoring.engine.scorers import Scorer

VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
LANGUAGE = re.compile(r"[a-z]{2,3}")
_TOP_REQUIRED = (
    "format",
    "id",
    "version",
    "languages",
    "intended_use",
    "provenance",
    "instruments",
    "sections",
    "test_vectors",
)
#: Required unless ``languages: []`` (they hold only text).
_TOP_TEXTUAL = ("title", "description", "recall_period", "patient_group")
_TOP_OPTIONAL = (
    "triage",
    "trended_scores",
    "brief",
    "scores",
    "rules",
    "patient_support",
    "fhir",
)
#: ``own``: PRO Portal's own algorithm; ``imported``: a draft imported from FHIR.
_PROVENANCE_KINDS = ("own", "imported")


def parse_definition(mapping: Mapping[str, Any], *, source: str = "<memory>") -> Definition:
    """Validate and compile a resolved definition mapping.

    Raises :class:`DefinitionError` listing every problem found, each naming
    ``source``, the location in the file, the id concerned and the reason.
    """
    return _Parser(source).parse(mapping)


class _Parser(ScoresReader, RulesReader, VectorsReader, FhirReader):
    """The whole definition: top-level keys, then each part in dependency order."""

    def parse(self, data: object) -> Definition:
        top = self.mapping(data, "top level")
        if top is None:
            raise DefinitionError(self.problems)
        self.languages = self.read_languages(top)
        textual = _TOP_TEXTUAL if self.languages else ()
        optional = _TOP_OPTIONAL if self.languages else (*_TOP_OPTIONAL, *_TOP_TEXTUAL)
        self.keys(top, "top level", (*_TOP_REQUIRED, *textual), optional)
        if "format" in top and (top["format"] != 1 or isinstance(top["format"], bool)):
            self.problem("format", f"format: must be 1, got {describe(top['format'])}")
        qid = self.identifier(top.get("id"), "id", ID) if "id" in top else None
        version = top.get("version")
        if "version" in top and (not isinstance(version, str) or not VERSION.fullmatch(version)):
            self.problem(
                "version",
                f'version: expected MAJOR.MINOR.PATCH in quotes, like "1.0.0",'
                f" got {describe(version)}",
            )
        intended_use, green_days = self.read_use(top)
        title = self.text(top, "title", "title", required=True)
        description = self.text(top, "description", "description", required=True)
        recall = self.text(top, "recall_period", "recall_period", required=True)
        group = self.read_patient_group(top)
        provenance = self.read_provenance(top)
        instruments = self.read_instruments(top.get("instruments", []))
        sections = self.read_sections(top.get("sections", []))
        score_data = self.claim_scores(top.get("scores", []))
        self.register_symbols()
        self.read_fhir(top)
        if self.fhir is not None:
            fhirpath = bool(self.fhir.enable or self.fhir.unevaluable) or any(
                d.get("method") == "fhirpath" for _, d, _ in score_data
            )
            typed = any(i.answer in TYPED_OPTIONS and i.options for i in self.fhir.items.values())
            if fhirpath and not self.fhir.questionnaire:
                self.problem("fhir", "fhir: questionnaire: fhirpath scores and enable read it")
            elif not fhirpath and not typed:
                self.problem(
                    "fhir",
                    "fhir: only method: fhirpath scores, enable and options answered with"
                    f" {' or '.join(TYPED_OPTIONS)} use it",
                )
        self.symbols.update({sid: Symbol("number", "a score") for sid, _, _ in score_data})
        gates = self.enable_order()
        scores, scorers = self.read_scores(score_data)
        self.check_links()
        steps, asking = self.plan_steps(gates, scorers)
        score_map = {score.id: score for score in scores}
        rules = self.read_rules(top.get("rules", []))
        trended = self.read_trended(top, score_map)
        brief = self.read_brief(top)
        support = self.read_support(top)
        item_order = tuple(self.items[i] for _, ids in sections for i in ids)
        plan = Plan(
            items=self.items,
            item_order=item_order,
            options=self.options,
            scores=score_map,
            steps=steps,
            asking=asking,
            scorers=tuple(step for step in steps if isinstance(step, Scorer)),
            rules=rules,
            aliases={link: ident for link, (ident, _) in self.links.items() if ident in self.items},
        )
        vectors = self.read_vectors(top.get("test_vectors", []), plan, score_map, rules)
        if self.problems:
            raise DefinitionError(self.problems)
        assert qid is not None
        assert isinstance(version, str)
        return Definition(
            format=1,
            id=qid,
            version=version,
            languages=self.languages,
            intended_use=intended_use,
            provenance=provenance,
            instruments=instruments,
            sections=tuple(
                Section(**fields, items=tuple(self.items[i] for i in ids))
                for fields, ids in sections
            ),
            scores=scores,
            rules=tuple(compiled.rule for compiled in rules),
            test_vectors=vectors,
            plan=plan,
            title=title,
            description=description,
            recall_period=recall,
            patient_group=group,
            green_interval_days=green_days,
            trended_scores=trended,
            brief=brief,
            patient_support=support,
            source=self.source,
            fhir=self.fhir,
        )

    def plan_steps(
        self,
        gates: Mapping[str, tuple[Callable[[Env], bool | None], list[str]]],
        scorers: tuple[Scorer, ...],
    ) -> tuple[tuple[Step, ...], int]:
        """Enable-when tests and scorers in one order, each after what it
        reads: an item gated on a score after the score, a score after the
        gated items it sums. Without conditions on scores this is every test
        (in their order), then every scorer (in theirs). A cycle through both
        an item and a score is refused with its names."""
        by_score = {scorer.score.id: scorer for scorer in scorers}
        nodes = {**dict.fromkeys(gates), **dict.fromkeys(by_score)}
        reads = {item_id: names for item_id, (_, names) in gates.items()}
        reads.update({sid: self.score_reads[sid] for sid in by_score})
        deps = {node: [n for n in reads[node] if n in nodes] for node in nodes}
        order, cycles = topological(nodes, deps)
        for cycle in cycles:
            if any(n in gates for n in cycle) and any(n in by_score for n in cycle):
                where = self.item_where.get(cycle[0]) or self.score_where[cycle[0]]
                self.problem(where, f"enable_when cycle: {' → '.join(cycle)}", cycle[0])
        steps = tuple(by_score[n] if n in by_score else (n, gates[n][0]) for n in order)
        asking = max((i + 1 for i, n in enumerate(order) if n in gates), default=0)
        return steps, asking

    def read_languages(self, top: Mapping[str, Any]) -> tuple[str, ...]:
        if "languages" not in top:
            return ()
        raw = self.sequence(top["languages"], "languages", "languages")
        languages: dict[str, str] = {}
        for index, lang in enumerate(raw):
            where = f"languages[{index}]"
            if not isinstance(lang, str) or not LANGUAGE.fullmatch(lang):
                self.problem(where, f"expected a language code like da or en, got {describe(lang)}")
            else:
                self.unique(languages, lang, where, "language")
        return tuple(languages)

    def read_use(self, top: Mapping[str, Any]) -> tuple[str, int | None]:
        use = top.get("intended_use", "dialogue")
        if use not in ("dialogue", "triage"):
            self.problem(
                "intended_use", f"intended_use: must be dialogue or triage, got {describe(use)}"
            )
            return "dialogue", None
        if use == "dialogue":
            if "triage" in top:
                self.problem("triage", "triage: applies only to intended_use: triage")
            return use, None
        if "triage" not in top:
            self.problem("top level", "missing key 'triage' (intended_use is triage)")
            return use, None
        triage = self.mapping(top["triage"], "triage", "triage")
        if triage is None:
            return use, None
        self.keys(triage, "triage", ("green_interval_days",), ())
        return use, self.integer(triage, "green_interval_days", "triage", 1)

    def read_patient_group(self, top: Mapping[str, Any]) -> PatientGroup:
        group = self.mapping(top.get("patient_group", {}), "patient_group")
        if group is None:
            return PatientGroup()
        keys = ("description", "inclusion", "exclusion")
        self.keys(
            group, "patient_group", keys if self.languages else (), () if self.languages else keys
        )
        lists: dict[str, tuple[Text, ...]] = {}
        for key in ("inclusion", "exclusion"):
            entries = self.sequence(group.get(key, []), "patient_group", key)
            lists[key] = tuple(
                self.text({key: entry}, key, f"patient_group.{key}[{index}]", required=True)
                for index, entry in enumerate(entries)
            )
        return PatientGroup(
            self.text(group, "description", "patient_group", required=True),
            lists["inclusion"],
            lists["exclusion"],
        )

    def read_provenance(self, top: Mapping[str, Any]) -> Provenance:
        provenance = self.mapping(top.get("provenance", {}), "provenance")
        if provenance is None:
            return Provenance("own")
        self.keys(provenance, "provenance", ("kind",), ("note",))
        kind = provenance.get("kind", "own")
        if kind not in _PROVENANCE_KINDS:
            self.problem(
                "provenance",
                f"kind: must be own (PRO Portal's own algorithm), got {describe(kind)}",
            )
        return Provenance(str(kind), self.text(provenance, "note", "provenance", required=True))

    def read_instruments(self, raw: object) -> tuple[Instrument, ...]:
        instruments: list[Instrument] = []
        seen: dict[str, str] = {}
        for index, entry in enumerate(self.sequence(raw, "top level", "instruments", False)):
            data = self.mapping(entry, f"instruments[{index}]")
            if data is None:
                continue
            where = located(f"instruments[{index}]", data.get("id"))
            self.keys(data, where, ("id", "name", "licence", "source"), ("wording_source",))
            iid = self.identifier(data.get("id"), where, ID) if "id" in data else None
            fields = [self.string(data, key, where, iid) for key in ("name", "licence", "source")]
            wording = self.string(data, "wording_source", where, iid)
            if iid is not None and self.unique(seen, iid, where, "instrument id"):
                name, licence, source = (field or "" for field in fields)
                instruments.append(Instrument(iid, name, licence, source, wording))
        return tuple(instruments)

    def read_support(self, top: Mapping[str, Any]) -> Text:
        if "patient_support" not in top:
            return NO_TEXT
        support = self.mapping(top["patient_support"], "patient_support")
        if support is None:
            return NO_TEXT
        self.keys(support, "patient_support", ("default",), ())
        return self.text(support, "default", "patient_support", required=False)

    def read_trended(self, top: Mapping[str, Any], scores: Mapping[str, Score]) -> tuple[str, ...]:
        trended: list[str] = []
        for index, sid in enumerate(
            self.sequence(top.get("trended_scores", []), "top level", "trended_scores")
        ):
            if sid in scores:
                trended.append(sid)
            else:
                self.problem(f"trended_scores[{index}]", f"{describe(sid)} is not a score id", sid)
        return tuple(trended)

    def read_brief(self, top: Mapping[str, Any]) -> tuple[str, ...]:
        """Item ids whose answers make "the patient in brief" on the summary."""
        brief: list[str] = []
        for index, iid in enumerate(self.sequence(top.get("brief", []), "top level", "brief")):
            item = self.items.get(iid) if isinstance(iid, str) else None
            if item is None or item.type == "display":
                self.problem(f"brief[{index}]", f"{describe(iid)} is not a question id", iid)
            elif iid in brief:
                self.problem(f"brief[{index}]", f"{describe(iid)} is listed twice", iid)
            else:
                brief.append(iid)
        return tuple(brief)
