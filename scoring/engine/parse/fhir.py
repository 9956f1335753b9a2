"""The top-level ``fhir`` block of a definition imported from FHIR: the
original Questionnaire and how each item's answer is written in a
QuestionnaireResponse, read by ``method: fhirpath`` scores
(docs/definitions.md § FHIR)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.engine.answers import describe
from scoring.engine.fhirpath_score import ANSWER_KEYS, CHOICE_ANSWERS, NUMBER_ANSWERS
from scoring.engine.item_types import ITEM_TYPES
from scoring.engine.model import FhirContext, FhirItem, FhirStep
from scoring.engine.parse.base import Reader

_ITEM_KEYS = ("options", "quantity")


class FhirReader(Reader):
    """The ``fhir`` block, checked against the items."""

    def read_fhir(self, top: Mapping[str, Any]) -> None:
        if "fhir" not in top:
            return
        data = self.mapping(top["fhir"], "fhir")
        if data is None:
            return
        self.keys(
            data, "fhir", ("items",), ("questionnaire", "scores", "enable", "paths", "launch")
        )
        questionnaire = self.mapping(data.get("questionnaire", {}), "fhir", "questionnaire")
        given = "questionnaire" in data
        if (
            given
            and questionnaire is not None
            and questionnaire.get("resourceType") != ("Questionnaire")
        ):
            self.problem("fhir", "questionnaire: expected a FHIR Questionnaire resource")
        items: dict[str, FhirItem] = {}
        raw = self.mapping(data.get("items", {}), "fhir", "items") or {}
        for item_id, entry in raw.items():
            read = self.read_fhir_item(str(item_id), entry, f"fhir.items[{item_id!r}]")
            if read is not None:
                items[str(item_id)] = read
        scores: dict[str, FhirItem] = {}
        raw = self.mapping(data.get("scores", {}), "fhir", "scores") or {}
        for score_id, entry in raw.items():
            read = self.read_fhir_score(str(score_id), entry, f"fhir.scores[{score_id!r}]")
            if read is not None:
                scores[str(score_id)] = read
        enable: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
        unevaluable: dict[str, str] = {}
        raw = self.mapping(data.get("enable", {}), "fhir", "enable") or {}
        for item_id, entry in raw.items():
            gate = self.read_fhir_enable(str(item_id), entry, f"fhir.enable[{item_id!r}]")
            if isinstance(gate, str):
                unevaluable[str(item_id)] = gate
            elif gate is not None:
                enable[str(item_id)] = gate
        paths = self.read_fhir_paths(data.get("paths", {}))
        launch = data.get("launch", [])
        if launch not in ([], ["patient"]):
            self.problem("fhir", f"launch: the one launch context given is patient, got {launch}")
        if questionnaire is not None:
            self.fhir = FhirContext(
                questionnaire, items, scores, enable, paths, unevaluable, tuple(launch)
            )

    def read_fhir_enable(
        self, item_id: str, raw: object, at: str
    ) -> tuple[str, tuple[tuple[str, str], ...]] | str | None:
        """An item's SDC enableWhenExpression: ``{expression, variables}``;
        with ``error`` (why fhirpathpy cannot evaluate it), that text: the
        item is then never asked."""
        data = self.mapping(raw, at)
        if data is None:
            return None
        problems = len(self.problems)
        self.keys(data, at, ("expression",), ("variables", "error"), item_id)
        expression, error = data.get("expression"), data.get("error")
        if "expression" in data and not isinstance(expression, str):
            self.problem(at, f"expression: expected FHIRPath, got {describe(expression)}", item_id)
        if "error" in data and not isinstance(error, str):
            self.problem(at, f"error: expected a text, got {describe(error)}", item_id)
        if item_id not in self.items:
            self.problem(at, f"{item_id!r} is not an item", item_id)
        variables = self.read_variables(data, at, item_id)
        if len(self.problems) > problems:
            return None
        assert isinstance(expression, str)
        if isinstance(error, str):
            return error
        return expression, variables

    def read_fhir_paths(self, raw: object) -> dict[str, tuple[FhirStep, ...]]:
        """``fhir.paths``: score id → the linkIds from the root down to its
        calculated item, each with the names of the variables defined there
        (SDC evaluates them with that item's response item as the context)."""
        paths: dict[str, tuple[FhirStep, ...]] = {}
        for score_id, steps in (self.mapping(raw, "fhir", "paths") or {}).items():
            at = f"fhir.paths[{score_id!r}]"
            if score_id not in self.score_ids:
                self.problem(at, f"{score_id!r} is not a score", score_id)
            problems = len(self.problems)
            read = [self.read_fhir_step(s, at) for s in self.sequence(steps, at, "path", False)]
            if len(self.problems) == problems:
                paths[str(score_id)] = tuple(step for step in read if step is not None)
        return paths

    def read_fhir_step(self, raw: object, at: str) -> FhirStep | None:
        data = self.mapping(raw, at)
        if data is None:
            return None
        problems = len(self.problems)
        self.keys(data, at, ("link_id",), ("variables",))
        link_id, names = data.get("link_id"), data.get("variables", [])
        if "link_id" in data and (not isinstance(link_id, str) or not link_id):
            self.problem(at, f"link_id: expected a linkId, got {describe(link_id)}")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.problem(at, f"variables: expected a list of names, got {describe(names)}")
        if len(self.problems) > problems:
            return None
        return FhirStep(str(link_id), tuple(names))

    def read_fhir_score(self, score_id: str, raw: object, at: str) -> FhirItem | None:
        """A score's calculated item: its value is written as that item's
        answer (valueInteger, valueDecimal or valueQuantity)."""
        data = self.mapping(raw, at)
        if data is None:
            return None
        problems = len(self.problems)
        self.keys(data, at, ("link_id", "answer"), ("quantity",), score_id)
        link_id, answer = data.get("link_id"), data.get("answer")
        if "link_id" in data and (not isinstance(link_id, str) or not link_id):
            self.problem(at, f"link_id: expected a linkId, got {describe(link_id)}", score_id)
        if "answer" in data and answer not in NUMBER_ANSWERS:
            self.problem(
                at, f"answer: a score is written with {' or '.join(NUMBER_ANSWERS)}", score_id
            )
        if score_id not in self.score_ids:
            self.problem(at, f"{score_id!r} is not a score", score_id)
        quantity = self.mapping(data.get("quantity", {}), at, "quantity") or {}
        if len(self.problems) > problems:
            return None
        assert isinstance(link_id, str)
        assert isinstance(answer, str)
        return FhirItem(link_id, answer, {}, dict(quantity))

    def read_fhir_item(self, item_id: str, raw: object, at: str) -> FhirItem | None:
        data = self.mapping(raw, at)
        if data is None:
            return None
        problems = len(self.problems)
        self.keys(data, at, ("link_id", "answer"), _ITEM_KEYS, item_id)
        link_id, answer = data.get("link_id"), data.get("answer")
        if "link_id" in data and (not isinstance(link_id, str) or not link_id):
            self.problem(at, f"link_id: expected a linkId, got {describe(link_id)}", item_id)
        if "answer" in data and answer not in ANSWER_KEYS:
            self.problem(
                at, f"answer: must be one of {', '.join(ANSWER_KEYS)}, got {describe(answer)}"
            )
        options = self.mapping(data.get("options", {}), at, "options") or {}
        quantity = self.mapping(data.get("quantity", {}), at, "quantity") or {}
        item = self.items.get(item_id)
        kind = ITEM_TYPES[item.type] if item is not None else None
        if kind is None:
            self.problem(at, f"{item_id!r} is not an item", item_id)
        elif kind.answer in ("code", "codes"):
            boolean = kind.fhir_value == "valueBoolean"  # yes/no: no codes to map
            wanted = ("valueBoolean",) if boolean else CHOICE_ANSWERS
            absent = [code for code in self.options[item_id] if code not in options]
            if answer not in wanted:
                self.problem(at, f"answer: {item_id} is answered with {' or '.join(wanted)}")
            elif not boolean and absent:
                self.problem(at, f"options: no FHIR value for codes {', '.join(absent)}", item_id)
        elif kind.answer == "number":
            if answer not in NUMBER_ANSWERS:
                self.problem(
                    at, f"answer: {item_id} is answered with {' or '.join(NUMBER_ANSWERS)}"
                )
        else:
            self.problem(at, f"{item_id}: FHIRPath scores read only choice and number items")
        if len(self.problems) > problems:
            return None
        assert isinstance(link_id, str)
        assert isinstance(answer, str)
        return FhirItem(link_id, answer, dict(options), dict(quantity))
