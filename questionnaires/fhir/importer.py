"""FHIR R4 Questionnaire → a PRO Portal definition (docs/definitions.md § FHIR).

Pure functions over the JSON (no Django): :func:`questionnaire_from_fhir`
returns the definition mapping, the parsed :class:`Definition` and *one*
list of warnings naming every construct that could not be expressed and
the items it concerns — nothing is dropped silently. The file is read
leniently (real files break the rules: ``"repeats": "true"``, an
``answerInteger`` holding a date); it is never fetched from anywhere.

Groups become sections (nested groups flattened, see :meth:`_Importer.group`),
items keep their linkId as id where it is a valid id, options take their
value from ``ordinalValue`` / ``iso21090-CO-value`` / ``itemWeight``, SDC
``calculatedExpression`` scores are translated to a ``sum`` when fhirpathpy
confirms the sum gives the same value on every answer combination tried, and
are otherwise kept as ``method: fhirpath``. A file PRO Portal exported is
read back exactly through PRO Portal's extensions.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from questionnaires import json_input
from questionnaires.fhir import common as c
from questionnaires.fhir.sdc import fhirpath_of
from questionnaires.fhir.warnings import (
    ENABLE_FAILING,
    SCORE_WITHOUT_EXPRESSION,
    SCORE_WITHOUT_VALUE,
    enable_failing,
    looks_like_score,
    scores_without_value,
)
from scoring.engine import (
    Definition,
    DefinitionError,
    evaluate,
    parse_definition,
    run_test_vectors,
)
from scoring.engine.fhirpath_score import (
    PATIENT_GIVEN,
    PATIENT_USE,
    TYPED_OPTIONS,
    FhirpathError,
    compile_enable,
    used_texts,
)
from scoring.engine.model import FhirContext
from scoring.engine.parse import VERSION
from scoring.engine.parse.base import topological
from scoring.engine.rules.values import COMPARISON
from scoring.engine.sdc_weight import Weights

#: Bounds of an integer item FHIR leaves open: FHIR's own 32-bit integer.
INT_BOUNDS = (-(2**31), 2**31 - 1)
#: Bounds of a decimal item FHIR leaves open (the format requires bounds).
DECIMAL_BOUNDS = (-(10**12), 10**12)
NO_UNIT = "(no unit)"
#: An imported instrument's licence when the file has no ``copyright``.
LICENCE_NOT_STATED = "Not stated in the FHIR Questionnaire"
NOT_AN_OBJECT = "the score extension's definition is not a JSON object"
#: Up to this many answer combinations, a translated score is checked on all
#: of them; beyond, on a covering set plus a fixed random sample (fhirpathpy
#: takes milliseconds per evaluation).
MAX_COMBINATIONS = 64
#: Elements of the Questionnaire root that are read.
_ROOT_READ = {
    "resourceType",
    "id",
    "url",
    "version",
    "name",
    "title",
    "_title",
    "status",
    "description",
    "_description",
    "language",
    "contained",
    "item",
    "extension",
    "copyright",
    "publisher",
}
#: Elements of an item that are read.
_ITEM_READ = {
    "linkId",
    "text",
    "_text",
    "type",
    "required",
    "repeats",
    "readOnly",
    "maxLength",
    "enableWhen",
    "enableBehavior",
    "answerOption",
    "answerValueSet",
    "item",
    "extension",
    "prefix",
    "_prefix",
}
#: Extensions read on items (others are named in the warning).
_ITEM_EXTENSIONS = {
    c.MIN_VALUE,
    c.MAX_VALUE,
    c.MIN_OCCURS,
    c.MAX_OCCURS,
    c.MAX_DECIMAL_PLACES,
    c.UNIT,
    c.UNIT_OPTION,
    c.VARIABLE,
    c.CALCULATED,
    c.HIDDEN,
    c.ITEM_TYPE,
    c.ANCHORS,
    c.SECTION_KIND,
    c.SECTION_INTRO,
    c.INCLUDED_FROM,
    c.SCORE,
    c.ENABLE_WHEN,
    c.ANSWER_SIGNIFICANCE,
    c.FEEDBACK,
    c.SLIDER_STEP,
    c.ITEM_ID_URL,
}
_SIMPLE_TYPES = {
    "integer": "integer",
    "decimal": "decimal",
    "quantity": "decimal",
    "boolean": "yes_no",
    "date": "date",
    "string": "short_text",
    "text": "long_text",
    "display": "display",
}
#: FHIR types with no PRO Portal equivalent that are still answerable as text.
_AS_TEXT = ("dateTime", "time", "url")
_COLOURS = ("red", "yellow", "green")
_COMPARISONS = ("=", "!=", ">", "<", ">=", "<=")


class FhirImportError(Exception):
    """The file cannot be imported; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    """What an import produced: the definition (as a mapping to publish and
    parsed), the warning lines (``<construct>: <items>``), the linkIds
    that were renamed to be valid ids, and the same warnings as (construct,
    items) pairs (named and stored with the draft: questionnaires/fhir/warnings.py)."""

    mapping: dict[str, Any]
    definition: Definition
    warnings: list[str]
    renamed: dict[str, str] = field(default_factory=dict)
    notes: list[tuple[str, list[str]]] = field(default_factory=list)


def questionnaire_from_fhir(
    resource: object,
    *,
    source: str,
    fallback_id: str = "imported",
    max_depth: int = json_input.DEFAULT_MAX_DEPTH,
) -> ImportResult:
    """Import a FHIR R4 Questionnaire (parsed JSON). ``source`` names the
    file in messages; ``fallback_id`` is the id when the resource has no
    ``id``, ``name`` or ``title``; ``max_depth`` bounds the nesting of the
    JSON PRO Portal's own extensions carry in strings. Raises :class:`FhirImportError`."""
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "Questionnaire":
        kind = resource.get("resourceType") if isinstance(resource, Mapping) else None
        raise FhirImportError(
            [f"{source}: not a FHIR Questionnaire (resourceType: {kind or 'missing'})"]
        )
    return _Importer(resource, source, fallback_id, max_depth).run()


@dataclass
class _Pending:
    """An item's enableWhen, resolved once every item is known."""

    item: dict[str, Any]
    link_id: str
    own: list[Mapping[str, Any]]
    behavior: str
    inherited: list[list[Mapping[str, Any]]]
    inherited_behaviors: list[str]


class _Importer:
    def __init__(
        self, resource: Mapping[str, Any], source: str, fallback_id: str, max_depth: int
    ) -> None:
        self.resource = resource
        self.max_depth = max_depth
        self.source = source
        self.fallback_id = fallback_id
        self.language = c.primary_language(str(resource.get("language") or "en"))
        self.notes: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        #: linkIds that are valid ids, kept for their items (``reserve``).
        self.reserved: set[str] = set()
        self.section_ids: set[str] = set()
        self.links: dict[str, str] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.kinds: dict[str, str] = {}
        self.fhir_items: dict[str, dict[str, Any]] = {}
        #: Score id → how its calculated item's value reads as an answer.
        self.fhir_scores: dict[str, dict[str, Any]] = {}
        #: Item id → its enableWhenExpression (with the variables in scope).
        self.fhir_enable: dict[str, dict[str, Any]] = {}
        #: Score id → the path to its calculated item (``fhir.paths``).
        self.fhir_paths: dict[str, list[dict[str, Any]]] = {}
        self.sections: list[dict[str, Any]] = []
        self.pending: list[_Pending] = []
        self.calculated: list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]] = []
        self.rules: list[dict[str, Any]] = []
        self.significance_rules: list[tuple[Mapping[str, Any], str]] = []
        self.texts: list[dict[str, str]] = []
        self.generated: list[dict[str, str]] = []
        self.own = self.portal_definition()
        self.rule_ids = {
            rule_id
            for extension in c.extensions(resource, c.RULE)
            for rule_id in [_sub_value(extension, "id")]
            if isinstance(rule_id, str)
        }

    # --- warnings and texts ---------------------------------------------------

    def note(self, construct: str, subject: str) -> None:
        subjects = self.notes.setdefault(construct, [])
        if subject not in subjects:
            subjects.append(subject)

    def text(self, element: Mapping[str, Any], key: str, fallback: str | None) -> dict[str, str]:
        """A text per language from ``element[key]`` (and translations);
        ``fallback`` (generated, same in every language) when it is absent."""
        text = c.read_text(element, key, self.language)
        if text:
            self.texts.append(text)
            return text
        if fallback is None:
            return {}
        return self.make(fallback)

    def make(self, value: str) -> dict[str, str]:
        """A text PRO Portal writes itself (given in every language)."""
        text = {self.language: value}
        self.generated.append(text)
        return text

    def localized(self, extension: Mapping[str, Any]) -> dict[str, str]:
        text = c.read_localized(extension)
        if text:
            self.texts.append(text)
        return text

    # --- the whole file ---------------------------------------------------------

    def embedded(self, raw: object, construct: str, subject: str) -> Any:
        """The JSON one of PRO Portal's own extensions carries in a string,
        within the depth limit; anything else is a clear import error."""
        try:
            return json_input.loads(str(raw), max_depth=self.max_depth, name=self.source)
        except json_input.JsonInputError as error:
            raise FhirImportError([f"{error} (the {construct} of {subject})"]) from None
        except ValueError as error:
            problem = f"{self.source}: {subject}: the {construct} is not JSON: {error}"
            raise FhirImportError([problem]) from None

    def portal_definition(self) -> dict[str, Any] | None:
        raw = c.extension_value(self.resource, c.DEFINITION)
        if not isinstance(raw, str):
            return None
        try:
            data = json_input.loads(raw, max_depth=self.max_depth)
        except (ValueError, json_input.JsonInputError):
            self.note("PRO Portal definition extension is not JSON (ignored)", "Questionnaire")
            return None
        return data if isinstance(data, dict) else None

    def run(self) -> ImportResult:
        resource = self.resource
        skipped = sorted(k for k in resource if k not in _ROOT_READ and not k.startswith("_"))
        for key in skipped:
            self.note("questionnaire metadata not kept", key)
        for key in resource:
            if key.startswith("_"):
                self.presentation(resource[key], key[1:])
        self.root_extensions()
        self.reserve(resource.get("item"))
        self.walk(resource.get("item"))
        if not self.items:
            raise FhirImportError([f"{self.source}: no item could be imported"])
        for pending in self.pending:
            self.resolve_enable_when(pending)
        self.drop_unreadable_enable()
        scores, vectors = self.scores()
        self.rules.extend(self.significance_rules_built())
        mapping = self.assemble(scores, vectors)
        definition = self.parse(mapping)
        definition, mapping = self.check_vectors(definition, mapping)
        idents = {ident: link for link, ident in self.links.items()}
        for score_id in scores_without_value(definition):
            self.note(SCORE_WITHOUT_VALUE, idents.get(score_id, score_id))
        for item_id in enable_failing(definition):
            self.note(ENABLE_FAILING, idents.get(item_id, item_id))
        warnings = [f"{construct}: {c.join(who)}" for construct, who in self.notes.items()]
        renamed = {link: ident for link, ident in self.links.items() if link != ident}
        notes = [(construct, list(who)) for construct, who in self.notes.items()]
        return ImportResult(mapping, definition, warnings, renamed, notes)

    def reserve(self, items: object) -> None:
        """Reserve the linkIds that are valid ids before any item is renamed,
        so that a renamed item (``Item-1`` → ``item_1_2``) never takes the id
        another item's own linkId is (``item_1``): a linkId kept as an alias
        is then never another item's id."""
        pending = _list(items)
        while pending:
            item = pending.pop()
            link_id = item.get("linkId")
            if (
                item.get("type") != "group"
                and isinstance(link_id, str)
                and c.ITEM_ID.fullmatch(link_id)
                and link_id not in c.RESERVED
                and link_id not in self.ids
            ):
                self.ids.add(link_id)
                self.reserved.add(link_id)
            pending.extend(_list(item.get("item")))

    def root_extensions(self) -> None:
        known = {c.VARIABLE, c.RULE, c.DEFINITION, c.TEST_VECTORS}
        for extension in c.extensions_all(self.resource):
            url = str(extension.get("url"))
            if url == c.LAUNCH_CONTEXT and _launch_name(extension) == "patient":
                continue  # given from the patient record (launch_contexts)
            if url not in known:
                self.note(f"extension not kept ({_short(url)})", "Questionnaire")
        for extension in c.extensions(self.resource, c.RULE):
            self.rules.append(self.portal_rule(extension))

    def presentation(self, element: object, where: str) -> None:
        """Extensions on a primitive (``_text``) other than translations."""
        for extension in c.extensions_all(element):
            url = str(extension.get("url"))
            if url != c.TRANSLATION:
                self.note(f"presentation not kept ({_short(url)})", where)

    # --- items ------------------------------------------------------------------------

    def walk(self, items: object) -> None:
        """Root items: groups become sections; consecutive root questions
        form a section of their own, titled with the questionnaire."""
        loose: list[Mapping[str, Any]] = []
        root_variables = c.extensions(self.resource, c.VARIABLE)
        for item in _list(items):
            if item.get("type") == "group":
                self.loose_section(loose, root_variables)
                loose = []
                self.group(item, [], [], [], root_variables)
            else:
                loose.append(item)
        self.loose_section(loose, root_variables)

    def loose_section(
        self, items: list[Mapping[str, Any]], variables: list[dict[str, Any]]
    ) -> None:
        if not items:
            return
        title = self.text(self.resource, "title", str(self.resource.get("name") or "Questions"))
        section = self.section("main", title, "generic", {})
        for item in items:
            self.question(item, section, [], [], variables)
        self.close(section)

    def section(
        self,
        link_id: str,
        title: dict[str, str],
        kind: str,
        intro: dict[str, str],
        included: object = None,
    ) -> dict[str, Any]:
        section: dict[str, Any] = {
            "id": c.section_id_for(link_id, self.section_ids),
            "kind": kind,
            "title": title,
            "items": [],
        }
        if intro:
            section["intro"] = intro
        if isinstance(included, str):
            section["included_from"] = included
        return section

    def close(self, section: dict[str, Any]) -> None:
        if section["items"]:
            self.sections.append(section)
        else:
            self.section_ids.discard(section["id"])

    def group(
        self,
        group: Mapping[str, Any],
        trail: list[dict[str, str]],
        inherited: list[list[Mapping[str, Any]]],
        behaviors: list[str],
        variables: list[dict[str, Any]],
    ) -> None:
        """A group is a section of its own questions. A nested group is the
        next section, titled ``Outer › Inner``; questions of the outer group
        after it continue in a section ``<outer id>_2``. The group's
        enableWhen is added to each of its questions."""
        link_id = str(group.get("linkId"))
        self.unread(group, link_id)
        self.presentation(group.get("_text"), link_id)
        if group.get("required") is True:
            self.note("required on a group (each question keeps its own)", link_id)
        if _truthy(group.get("repeats")):
            self.note("repeating group (asked once)", link_id)
        title = self.text(group, "text", link_id)
        titles = [*trail, title]
        heading = _joined(titles) if trail else title
        kind = c.extension_value(group, c.SECTION_KIND)
        kind = kind if kind in ("generic", "domain", "disease") else "generic"
        own = _list(group.get("enableWhen"))
        inner_inherited = [*inherited, own] if own else inherited
        inner_behaviors = (
            [*behaviors, str(group.get("enableBehavior") or "all")] if own else behaviors
        )
        inner_variables = [*variables, *c.extensions(group, c.VARIABLE)]
        children = _list(group.get("item"))
        intro: dict[str, str] = {}
        if children and c.extension_value(children[0], c.SECTION_INTRO) is True:
            intro = self.text(children[0], "text", None)
            children = children[1:]
        included = c.extension_value(group, c.INCLUDED_FROM)
        # PRO Portal's export names a group <id>-section when an item has its id.
        section_link = link_id.removesuffix("-section") if self.own is not None else link_id
        section = self.section(section_link, heading, kind, intro, included)
        if not children:
            self.note("group without items (left out)", link_id)
        for child in children:
            if child.get("type") == "group":
                self.close(section)
                self.group(child, titles, inner_inherited, inner_behaviors, inner_variables)
                section = self.section(f"{section_link}_2", heading, kind, {}, included)
            else:
                self.question(child, section, inner_inherited, inner_behaviors, inner_variables)
        self.close(section)

    def unread(self, item: Mapping[str, Any], link_id: str) -> None:
        for key in item:
            if key.startswith("_"):
                self.presentation(item[key], link_id)
            elif key in _ITEM_READ:
                continue
            elif key == "code":
                self.note("item codes (code) not kept", link_id)
            elif key == "initial":
                self.note("initial values not used", link_id)
            else:
                self.note(f"item element not kept ({key})", link_id)
        for extension in c.extensions_all(item):
            url = str(extension.get("url"))
            if url in _ITEM_EXTENSIONS:
                continue
            if url == c.ITEM_CONTROL:
                if (
                    _control(extension) == "slider"
                    and c.extension_value(item, c.ITEM_TYPE) == "nrs"
                ):
                    continue  # PRO Portal's own NRS
                self.note(f"itemControl hint not kept ({_control(extension)})", link_id)
            elif url == c.ENABLE_WHEN_EXPRESSION:
                continue  # named with its consequence where enableWhen is read
            elif url.endswith(("Expression", "expression")):
                self.note(f"expression not supported ({_short(url)})", link_id)
            else:
                self.note(f"extension not kept ({_short(url)})", link_id)

    def question(
        self,
        item: Mapping[str, Any],
        section: dict[str, Any],
        inherited: list[list[Mapping[str, Any]]],
        behaviors: list[str],
        variables: list[dict[str, Any]],
    ) -> None:
        link_id = str(item.get("linkId"))
        kind = item.get("type")
        if c.extensions(item, c.CALCULATED) or c.extensions(item, c.SCORE):
            # a score also when hidden: SDC hides calculated values others read
            self.calculated.append((item, [*variables, *c.extensions(item, c.VARIABLE)]))
            self.unread(item, link_id)
            if self.own is None and c.extensions(item, c.ENABLE_WHEN_EXPRESSION):
                self.note(
                    "enableWhenExpression on a calculated item (not applied: it is always"
                    " calculated)",
                    link_id,
                )
            self.children(item, section, inherited, behaviors, variables)
            return
        if c.extension_value(item, c.HIDDEN) is True:
            self.note("hidden item (left out)", link_id)
            return
        self.unread(item, link_id)
        if self.own is None and looks_like_score(
            item
        ):  # PRO Portal's own exports name their scores
            self.note(SCORE_WITHOUT_EXPRESSION, link_id)
        if item.get("readOnly") is True:
            self.note("read-only (the patient can answer it)", link_id)
        if kind == "display" and item.get("required") is True:
            self.note("required on a display text (ignored)", link_id)
        if kind in ("reference", "attachment"):
            self.note(f"{kind} item (left out)", link_id)
            return
        ident = self.ident_for(item, link_id)
        self.links[link_id] = ident
        entry = self.item(item, ident, link_id, str(kind))
        if ident != link_id:  # the linkId stays an alias: answers and exports use it
            entry["link_id"] = link_id
        section["items"].append(entry)
        self.items[ident] = entry
        if item.get("enableWhen") or inherited or c.extensions(item, c.ENABLE_WHEN):
            self.pending.append(
                _Pending(
                    entry,
                    link_id,
                    _list(item.get("enableWhen")),
                    str(item.get("enableBehavior") or "all"),
                    inherited,
                    behaviors,
                )
            )
        self.enable_expression(ident, link_id, [*variables, *c.extensions(item, c.VARIABLE)])
        self.children(item, section, inherited, behaviors, variables, entry)

    def children(
        self,
        item: Mapping[str, Any],
        section: dict[str, Any],
        inherited: list[list[Mapping[str, Any]]],
        behaviors: list[str],
        variables: list[dict[str, Any]],
        entry: dict[str, Any] | None = None,
    ) -> None:
        """The items nested in a question (or a calculated item): its help
        text, else each one after it — never silently dropped."""
        link_id = str(item.get("linkId"))
        inner = [*variables, *c.extensions(item, c.VARIABLE)] if entry is None else variables
        for child in _list(item.get("item")):
            control = c.extension_value(child, c.ITEM_CONTROL)
            if entry is not None and child.get("type") == "display" and _codes(control) == ["help"]:
                entry["help"] = self.text(child, "text", None)
                continue
            if child.get("type") == "group":
                self.note("group nested in a question (its questions follow it)", link_id)
                self.group(child, [], inherited, behaviors, inner)
                continue
            self.note("item nested in a question (asked after it)", str(child.get("linkId")))
            self.question(child, section, inherited, behaviors, inner)

    def ident_for(self, item: Mapping[str, Any], link_id: str) -> str:
        """The id of an item or calculated item: in PRO Portal's own export
        the one its ``item-id`` extension names (its linkId is then the
        imported file's), else the linkId made a valid id."""
        own = c.extension_value(item, c.ITEM_ID_URL) if self.own is not None else None
        if isinstance(own, str) and own not in self.ids:
            self.ids.add(own)
            return own
        if link_id in self.reserved:  # a linkId that is an id is never renamed
            self.reserved.discard(link_id)
            return link_id
        return c.item_id_for(link_id, self.ids)

    def item(self, item: Mapping[str, Any], ident: str, link_id: str, kind: str) -> dict[str, Any]:
        text = self.text(item, "text", link_id)
        prefix = item.get("prefix")
        if isinstance(prefix, str) and prefix.strip():
            for lang, value in text.items():
                text[lang] = f"{prefix.strip()} {value}"
        entry: dict[str, Any] = {"id": ident, "text": text}
        options = self.options(item, link_id)
        portal_type = c.extension_value(item, c.ITEM_TYPE)
        repeats = _truthy(item.get("repeats"))
        if options is not None:
            entry["type"] = (
                "body_regions"
                if portal_type == "body_regions"
                else "multiple_choice"
                if repeats
                else "single_choice"
            )
            entry["options"] = options
            if kind == "open-choice":
                self.note("open-choice: free-text answers not accepted (a choice)", link_id)
        elif kind in ("choice", "open-choice"):
            entry["type"] = "short_text"
        elif kind in _SIMPLE_TYPES:
            entry["type"] = _SIMPLE_TYPES[kind]
        elif kind in _AS_TEXT:
            entry["type"] = "short_text"
            self.note(f"{kind} item (imported as short text)", link_id)
        else:
            entry["type"] = "short_text"
            self.note(f"unknown item type {kind!r} (imported as short text)", link_id)
        if portal_type == "nrs" and entry["type"] == "integer":
            entry["type"] = "nrs"
        if repeats and entry["type"] not in ("multiple_choice", "body_regions"):
            self.note("repeats on a non-choice item (one answer)", link_id)
        self.kinds[ident] = entry["type"]
        if entry["type"] != "display":
            entry["required"] = item.get("required") is True
        self.bounds(item, entry, link_id, kind)
        self.fhir_item(item, entry, ident, link_id, kind)
        for extension in c.extensions(item, c.ANSWER_SIGNIFICANCE):
            rule_id = _sub_value(extension, c.RULE_ID)
            if rule_id not in self.rule_ids:
                self.significance_rules.append((extension, ident))
        if c.extensions(item, c.FEEDBACK) and not self.rule_ids:
            self.note("ehealth-questionnaire-feedback (patient feedback) not kept", link_id)
        return entry

    def bounds(
        self, item: Mapping[str, Any], entry: dict[str, Any], link_id: str, kind: str
    ) -> None:
        kind_ours = entry["type"]
        low = c.extension_value(item, c.MIN_VALUE)
        high = c.extension_value(item, c.MAX_VALUE)
        if kind_ours == "integer":
            entry["min"] = low if _whole(low) else INT_BOUNDS[0]
            entry["max"] = high if _whole(high) else INT_BOUNDS[1]
        elif kind_ours == "decimal":
            entry["min"] = low if _number(low) else DECIMAL_BOUNDS[0]
            entry["max"] = high if _number(high) else DECIMAL_BOUNDS[1]
            if not _number(low) or not _number(high):
                self.note("decimal without minValue/maxValue (bounded at ±10^12)", link_id)
            places = c.extension_value(item, c.MAX_DECIMAL_PLACES)
            if _whole(places) and places >= 0:
                entry["decimals"] = places
        elif kind_ours == "nrs":
            anchors = c.extensions(item, c.ANCHORS)
            if anchors:
                low_text = c.sub_extensions(anchors[0], "low")
                high_text = c.sub_extensions(anchors[0], "high")
                entry["anchors"] = {
                    "low": self.localized(low_text[0]) if low_text else self.make("0"),
                    "high": self.localized(high_text[0]) if high_text else self.make("10"),
                }
            else:
                entry["anchors"] = {"low": self.make("0"), "high": self.make("10")}
        elif kind_ours == "date":
            for key, value in (("min", low), ("max", high)):
                if isinstance(value, str) and len(value) == 10:
                    entry[key] = value
        elif kind_ours in ("multiple_choice", "body_regions"):
            for key, url in (("min", c.MIN_OCCURS), ("max", c.MAX_OCCURS)):
                value = c.extension_value(item, url)
                if _whole(value) and 0 <= value <= len(entry["options"]):
                    entry[key] = value
        elif kind_ours in ("short_text", "long_text"):
            length = item.get("maxLength")
            if _whole(length) and length >= 1:
                entry["max_length"] = length
            elif kind in _AS_TEXT or kind in ("choice", "open-choice"):
                entry["max_length"] = 200
        if kind_ours in ("integer", "decimal"):
            unit = self.unit(item, link_id)
            if unit:
                entry["unit"] = unit
            elif kind_ours == "decimal":
                entry["unit"] = self.make(NO_UNIT)

    def unit(self, item: Mapping[str, Any], link_id: str) -> dict[str, str]:
        coding = c.extension_value(item, c.UNIT)
        options = [
            e["valueCoding"]
            for e in c.extensions(item, c.UNIT_OPTION)
            if isinstance(e.get("valueCoding"), Mapping)
        ]
        if not isinstance(coding, Mapping) and options:
            coding = options[0]
            if len(options) > 1:
                names = ", ".join(str(o.get("code") or o.get("display")) for o in options)
                self.note(f"unit options ({names}): only the first is kept", link_id)
        if not isinstance(coding, Mapping):
            return {}
        text = self.text(coding, "display", None)
        if text:
            return text
        code = coding.get("code")
        return self.make(str(code)) if code else {}

    # --- options ----------------------------------------------------------------------

    def options(self, item: Mapping[str, Any], link_id: str) -> list[dict[str, Any]] | None:
        """The item's options from answerOption or a contained answerValueSet;
        None when it has neither (or the value set is not in the file)."""
        raw: list[tuple[str, Any, Mapping[str, Any], Mapping[str, Any]]] = []
        if "answerOption" in item:
            for option in _list(item.get("answerOption")):
                found = c.value_of(option)
                if found is None:
                    continue
                key, value = found
                if option.get("initialSelected") is True:
                    self.note("initialSelected not used", link_id)
                raw.append((key, value, option, value if isinstance(value, Mapping) else {}))
        elif isinstance(item.get("answerValueSet"), str):
            concepts = self.value_set(str(item["answerValueSet"]))
            if concepts is None:
                self.note(
                    "answerValueSet not in the file, so not resolvable offline"
                    " (imported as short text)",
                    f"{link_id} ({item['answerValueSet']})",
                )
                return None
            raw = [("valueCoding", concept, concept, concept) for concept in concepts]
        else:
            return None
        options: list[dict[str, Any]] = []
        codes: set[str] = set()
        positional = False
        for position, (key, value, holder, coding) in enumerate(raw):
            if key == "valueCoding" and isinstance(value, Mapping):
                code = value.get("code")
                label = self.text(value, "display", str(code))
            elif key in (
                "valueString",
                "valueInteger",
                "valueDate",
                "valueTime",
            ) and not isinstance(value, bool):
                code = str(value)
                label = self.make(code)
            else:
                self.note(f"answer option of type {key} (left out)", link_id)
                continue
            if not isinstance(code, str) or not code.strip() or code in codes:
                self.note("answer option without a (unique) code (left out)", link_id)
                continue
            codes.add(code)
            ordinal = _ordinal(holder, coding)
            if ordinal is None and key == "valueInteger":
                ordinal = value
            if ordinal is None:
                ordinal, positional = position, True
            made: dict[str, Any] = {"code": code, "value": ordinal, "label": label}
            if c.extension_value(holder, c.OPTION_EXCLUSIVE) is True and _truthy(
                item.get("repeats")
            ):
                made["exclusive"] = True
            options.append(made)
        if positional:
            self.note(
                "options without ordinalValue or itemWeight (valued 0, 1, … by position)", link_id
            )
        return options or None

    def value_set(self, reference: str) -> list[Mapping[str, Any]] | None:
        """The concepts of a contained ValueSet named ``#id`` or by its
        canonical URL: its expansion, else its compose's concepts."""
        canonical = reference.split("|")[0]
        for contained in _list(self.resource.get("contained")):
            if contained.get("resourceType") != "ValueSet":
                continue
            if reference != f"#{contained.get('id')}" and canonical != contained.get("url"):
                continue
            expansion = contained.get("expansion")
            if isinstance(expansion, Mapping) and expansion.get("contains"):
                return list(_flatten(expansion.get("contains")))
            concepts: list[Mapping[str, Any]] = []
            compose = contained.get("compose")
            for include in _list(compose.get("include") if isinstance(compose, Mapping) else None):
                for concept in _list(include.get("concept")):
                    concepts.append({"system": include.get("system"), **concept})
            return concepts or None
        return None

    def fhir_item(
        self, item: Mapping[str, Any], entry: dict[str, Any], ident: str, link_id: str, kind: str
    ) -> None:
        """How the item's answer reads in a QuestionnaireResponse, for scores
        kept as FHIRPath."""
        ours = entry["type"]
        mapped: dict[str, Any] = {"link_id": link_id}
        if ours in ("single_choice", "multiple_choice", "body_regions"):
            values: dict[str, Any] = {}
            answer = "valueCoding"
            for option in entry["options"]:
                values[option["code"]] = self.option_value(item, option["code"])
            first = next(iter(values.values()), None)
            if not isinstance(first, Mapping):
                answer = {str: "valueString", int: "valueInteger"}.get(type(first), "valueString")
                if kind == "date":
                    answer = "valueDate"
                elif kind == "time":
                    answer = "valueTime"
            mapped.update(answer=answer, options=values)
        elif ours == "yes_no":
            mapped["answer"] = "valueBoolean"
        elif ours in ("integer", "nrs"):
            mapped["answer"] = "valueInteger"
        elif ours == "decimal" and kind == "quantity":
            unit = c.extension_value(item, c.UNIT) or next(
                (e.get("valueCoding") for e in c.extensions(item, c.UNIT_OPTION)), None
            )
            quantity = {
                key: unit[key]
                for key in ("system", "code")
                if isinstance(unit, Mapping) and key in unit
            }
            if isinstance(unit, Mapping) and "display" in unit:
                quantity["unit"] = unit["display"]
            mapped.update(answer="valueQuantity", quantity=quantity)
        elif ours == "decimal":
            mapped["answer"] = "valueDecimal"
        else:
            return
        self.fhir_items[ident] = mapped

    def option_value(self, item: Mapping[str, Any], code: str) -> Any:
        if "answerOption" in item:
            for option in _list(item.get("answerOption")):
                found = c.value_of(option)
                if found is None:
                    continue
                value = found[1]
                if isinstance(value, Mapping) and value.get("code") == code:
                    return {k: v for k, v in value.items() if not k.startswith("_")}
                if not isinstance(value, Mapping) and str(value) == code:
                    return value
        for concept in self.value_set(str(item.get("answerValueSet"))) or []:
            if concept.get("code") == code:
                return {
                    k: concept[k] for k in ("system", "version", "code", "display") if k in concept
                }
        return {"code": code}  # pragma: no cover - every option came from one of the two

    # --- enable-when ----------------------------------------------------------------------

    def resolve_enable_when(self, pending: _Pending) -> None:
        """Translate the enableWhen. A condition that cannot be expressed errs
        on the side of asking: under ``all`` it is dropped, under ``any`` the
        whole enableWhen is (the item is then always asked)."""
        entry, link_id = pending.item, pending.link_id
        portal = c.extension_value(self.resource_item(link_id), c.ENABLE_WHEN)
        if isinstance(portal, str):
            entry["enable_when"] = self.embedded(portal, "enable-when extension", link_id)
            return
        groups: list[tuple[str, list[dict[str, Any]]]] = []
        for raw, raw_behavior in zip(pending.inherited, pending.inherited_behaviors, strict=True):
            translated = self.conditions(raw, raw_behavior, link_id)
            if translated:
                groups.append(translated)
        translated = self.conditions(pending.own, pending.behavior, link_id)
        if translated:
            groups.append(translated)
        if not groups:
            return
        if len(groups) == 1:
            behavior, conditions = groups[0]
        elif all(b == "all" or len(k) == 1 for b, k in groups):
            behavior, conditions = "all", [k for _, group in groups for k in group]
        else:
            self.note(
                "enableWhen of a group (any) and of its item cannot be combined:"
                " only the item's applies",
                link_id,
            )
            behavior, conditions = groups[-1]
        entry["enable_when"] = {"behavior": behavior, "conditions": conditions}

    def enable_expression(
        self, ident: str, link_id: str, variables: Sequence[Mapping[str, Any]]
    ) -> None:
        """The SDC enableWhenExpressions of the item and of the groups (and
        questions) it sits in, all of which must give true: evaluated by
        the engine with fhirpathpy as the patient answers (``fhir.enable``).
        PRO Portal's own export says its enable-when natively instead."""
        if self.own is not None:
            return
        found = [
            fhirpath_of(extension)
            for holder in _ancestry(self.resource.get("item"), link_id)
            for extension in c.extensions(holder, c.ENABLE_WHEN_EXPRESSION)
        ]
        if not found:
            return
        texts = [f[1] for f in found if f is not None]
        if len(texts) < len(found):
            self.note("enableWhenExpression not in FHIRPath (the item is always asked)", link_id)
            return
        named = [fhirpath_of(v) for v in variables]
        pairs = [{"name": n[0], "expression": n[1]} for n in named if n is not None and n[0]]
        expression = texts[0] if len(texts) == 1 else " and ".join(f"({t})" for t in texts)
        context = FhirContext(self.resource, {}, {})
        try:
            compile_enable(
                (ident,), expression, tuple((p["name"], p["expression"]) for p in pairs), context
            )
        except FhirpathError as error:
            # SDC: only true enables an item, and an error is no true; a form
            # filler (Smart Forms) leaves such an item hidden (docs § FHIR).
            self.note(
                f"enableWhenExpression cannot be evaluated: {error} (the item is never asked,"
                " as in an SDC form filler: correct the file to ask it)",
                link_id,
            )
            entry = {"expression": expression, "variables": pairs, "error": str(error)}
            self.fhir_enable[ident] = entry
            return
        self.fhir_enable[ident] = {"expression": expression, "variables": pairs}

    def drop_unreadable_enable(self) -> None:
        """An enableWhenExpression naming a question whose answer is not in
        the response the engine builds (a text, a date) would never see it:
        rather than never asking the item, it is always asked (warned)."""
        passed = {str(m["link_id"]) for m in self.fhir_items.values()}
        passed.update(str(item.get("linkId")) for item, _ in self.calculated)
        unread_links = [
            str(item.get("linkId"))
            for item in _all_items(self.resource.get("item"))
            if item.get("type") not in ("group", "display")
            and str(item.get("linkId")) not in passed
        ]
        by_ident = {ident: link for link, ident in self.links.items()}
        for ident, entry in list(self.fhir_enable.items()):
            if "error" in entry:
                continue  # never asked whatever it reads
            pairs = tuple((p["name"], p["expression"]) for p in entry["variables"])
            texts = used_texts(entry["expression"], pairs)
            unread = [link for link in unread_links if any(f"'{link}'" in t for t in texts)]
            if unread:
                del self.fhir_enable[ident]
                self.note(
                    f"enableWhenExpression reads answers not passed to FHIRPath (text, date:"
                    f" {c.join(unread)}): the item is always asked",
                    by_ident[ident],
                )

    def resource_item(self, link_id: str) -> Mapping[str, Any]:
        return _find(self.resource.get("item"), link_id) or {}

    def conditions(
        self, raw: list[Mapping[str, Any]], behavior: str, link_id: str
    ) -> tuple[str, list[dict[str, Any]]] | None:
        behavior = behavior if behavior in ("any", "all") else "all"
        found: list[dict[str, Any]] = []
        for entry in raw:
            condition = self.condition(entry)
            if isinstance(condition, str):
                consequence = (
                    "the item is always asked" if behavior == "any" else "that condition is dropped"
                )
                self.note(f"enableWhen not expressible: {condition}; {consequence}", link_id)
                if behavior == "any":
                    return None
            else:
                found.append(condition)
        return (behavior, found) if found else None

    def condition(self, raw: Mapping[str, Any]) -> dict[str, Any] | str:
        """One enableWhen as a condition, or the reason it cannot be one."""
        question = str(raw.get("question"))
        operator = raw.get("operator")
        target = self.links.get(question)
        answer = c.value_of(raw, "answer")
        if target is None:
            return f"{question} was not imported"
        kind = self.kinds[target]
        if operator == "exists":
            exists = answer is None or answer[1] is not False
            return {"item": target, "op": "answered" if exists else "missing"}
        if operator not in ("=", "!=", ">", "<", ">=", "<=") or answer is None:
            return f"operator {operator!r} on {question}"
        key, value = answer
        options = {o["code"]: o for o in self.items[target].get("options", [])}
        if kind == "yes_no":
            if key == "answerBoolean" and isinstance(value, bool) and operator in ("=", "!="):
                return {"item": target, "op": operator, "value": "yes" if value else "no"}
            return f"{key} {operator} on the yes/no item {question}"
        if options:
            numeric = all(o["code"] == str(o["value"]) for o in options.values())
            if key == "answerCoding" and isinstance(value, Mapping):
                code = value.get("code")
            elif _number(value) and numeric and kind == "single_choice":
                return {"item": target, "op": operator, "value": value}
            else:
                code = value if isinstance(value, str) else str(value)
            if code not in options:
                return f"{question} has no option {code!r}"
            if operator not in ("=", "!="):
                return f"{operator} on the codes of {question}"
            return {"item": target, "op": operator, "value": code}
        if kind in ("integer", "nrs", "decimal"):
            if key == "answerQuantity" and isinstance(value, Mapping):
                value = value.get("value")
            if _number(value):
                return {"item": target, "op": operator, "value": value}
        return f"{operator} on the {kind.replace('_', ' ')} item {question}"

    # --- scores -------------------------------------------------------------------------------

    def scores(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every calculated item as a score, in dependency order: an item
        whose expression reads another calculated item's value is tried (and
        later evaluated) after it, with that value in the response."""
        built: dict[str, dict[str, Any]] = {}
        vectors: list[dict[str, Any]] = []
        reads = self.calculation_reads()
        order = self.calculation_order(reads)
        for item, _ in self.calculated:  # ids in document order, whatever the evaluation order
            link_id = str(item.get("linkId"))
            self.links[link_id] = self.ident_for(item, link_id)
        for item, variables in order:
            link_id = str(item.get("linkId"))
            ident = self.links[link_id]
            alias = {"link_id": link_id} if ident != link_id else {}
            label = self.text(item, "text", link_id)
            portal = c.extensions(item, c.SCORE)
            if portal:
                details = _sub_value(portal[0], "definition")
                definition = self.embedded(details, "score extension", link_id)
                if not isinstance(definition, dict):
                    raise FhirImportError([f"{self.source}: {link_id}: {NOT_AN_OBJECT}"])
                built[link_id] = {"id": ident, "label": label, **definition, **alias}
                continue
            found = [fhirpath_of(e) for e in c.extensions(item, c.CALCULATED)]
            expression = next((f for f in found if f is not None), None)
            if expression is None:
                self.note("calculatedExpression not in FHIRPath (score left out)", link_id)
                continue
            absent = [link for link in reads[link_id] if link not in built]
            if absent:
                self.note(
                    f"calculatedExpression reads calculated items left out ({c.join(absent)}):"
                    " they give it no value",
                    link_id,
                )
            needed = self.needed(reads, link_id, built)
            score, generated = self.fhirpath_score(
                item, ident, label, expression[1], variables, needed
            )
            if score is not None:
                built[link_id] = {**score, **alias}
                self.calculated_answer(item, ident)
                vectors.extend(generated)
        document = [str(item.get("linkId")) for item, _ in self.calculated]
        return [built[link] for link in document if link in built], vectors

    def calculation_reads(self) -> dict[str, list[str]]:
        """linkId of each calculated item → the calculated items whose linkId
        its expression, or a variable the expression uses, mentions."""
        links = [str(item.get("linkId")) for item, _ in self.calculated]
        reads: dict[str, list[str]] = {}
        for item, variables in self.calculated:
            found = [fhirpath_of(e) for e in c.extensions(item, c.CALCULATED)]
            expression = next((f for f in found if f is not None), None)
            named = [fhirpath_of(v) for v in variables]
            pairs = tuple((n[0], n[1]) for n in named if n is not None and n[0])
            texts = [] if expression is None else used_texts(expression[1], pairs)
            reads[str(item.get("linkId"))] = [
                link for link in links if any(f"'{link}'" in text for text in texts)
            ]
        return reads

    def calculation_order(
        self, reads: Mapping[str, list[str]]
    ) -> list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]]:
        """The calculated items, each after those it reads; a cycle is refused
        with the items named (no order gives such items a value)."""
        by_link = {str(item.get("linkId")): (item, v) for item, v in self.calculated}
        order, cycles = topological(by_link, reads)
        if cycles:
            raise FhirImportError(
                [
                    f"{self.source}: calculated items read each other in a cycle:"
                    f" {' → '.join(cycle)} (each calculatedExpression needs the other's"
                    " value, so none can be computed; break the cycle in the file)"
                    for cycle in cycles
                ]
            )
        return [by_link[link] for link in order]

    @staticmethod
    def needed(
        reads: Mapping[str, list[str]], link_id: str, built: Mapping[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The scores ``link_id`` reads, directly or through another, in
        dependency order (already built: the order is topological)."""
        seen: dict[str, None] = {}

        def visit(link: str) -> None:
            for dep in reads[link]:
                if dep in built and dep not in seen:
                    visit(dep)
                    seen[dep] = None

        visit(link_id)
        return [built[link] for link in seen]

    def calculated_answer(self, item: Mapping[str, Any], ident: str) -> None:
        """How the calculated item's value is written as its answer, for the
        calculations that read it (a number: integer, decimal or quantity)."""
        link_id = str(item.get("linkId"))
        kind = item.get("type")
        if kind == "integer":
            self.fhir_scores[ident] = {"link_id": link_id, "answer": "valueInteger"}
        elif kind == "quantity":
            unit = c.extension_value(item, c.UNIT)
            quantity = {
                key: unit[key]
                for key in ("system", "code")
                if isinstance(unit, Mapping) and key in unit
            }
            self.fhir_scores[ident] = {
                "link_id": link_id,
                "answer": "valueQuantity",
                **({"quantity": quantity} if quantity else {}),
            }
        else:
            self.fhir_scores[ident] = {"link_id": link_id, "answer": "valueDecimal"}

    def fhirpath_score(
        self,
        item: Mapping[str, Any],
        ident: str,
        label: dict[str, str],
        expression: str,
        variables: Sequence[Mapping[str, Any]],
        needed: list[dict[str, Any]],
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The calculatedExpression as a ``fhirpath`` score, or — when
        fhirpathpy agrees with it on every answer combination tried — as the
        plain ``sum`` of the items it reads. ``needed``: the scores it reads
        (in the trial too; a score reading one is never a plain sum)."""
        link_id = str(item.get("linkId"))
        named = [fhirpath_of(v) for v in variables]
        pairs = [{"name": n[0], "expression": n[1]} for n in named if n is not None and n[0]]
        places = c.extension_value(item, c.MAX_DECIMAL_PLACES)
        decimals = (
            places
            if _whole(places) and 0 <= places <= 9
            else (0 if item.get("type") == "integer" else 9)
        )
        source = (
            f"FHIR calculatedExpression of item {link_id} in {self.source}"
            " (imported; evaluated by fhirpathpy)"
        )
        score: dict[str, Any] = {
            "id": ident,
            "label": label,
            "method": "fhirpath",
            "expression": expression,
            "variables": pairs,
            "decimals": decimals,
            "source": source,
        }
        self.fhir_paths[ident] = self.item_path(item, [p["name"] for p in pairs])
        trial = self.trial_mapping([*needed, score])
        try:
            definition = parse_definition(trial, source=self.source)
        except DefinitionError as error:
            reasons = "; ".join(p.reason for p in error.problems)
            self.note(
                f"calculatedExpression cannot be evaluated: {reasons} (score left out)", link_id
            )
            return None, []
        if needed:
            self.note("calculatedExpression kept as FHIRPath (reads calculated items)", link_id)
            return score, []
        texts = used_texts(expression, tuple((p["name"], p["expression"]) for p in pairs))
        read = [
            ident_
            for ident_, mapped in self.fhir_items.items()
            if any(f"'{mapped['link_id']}'" in text for text in texts)
            and self.kinds[ident_] == "single_choice"
        ]
        gated = [i for i in read if "enable_when" in self.items[i] or i in self.fhir_enable]
        if gated:
            # The trial answers every item; it cannot show that a sum and the
            # expression agree when some items are not asked.
            self.note(
                "calculatedExpression kept as FHIRPath (reads items asked only sometimes)",
                link_id,
            )
            return score, []
        form = None if pairs else _common_form(expression)
        translated = (
            self.as_sum(definition, score, read)
            if form is None
            else self.as_common_form(definition, score, form, link_id)
        )
        if translated is None:
            self.note("calculatedExpression kept as FHIRPath (not a plain sum)", link_id)
            return score, []
        return translated

    def item_path(self, item: Mapping[str, Any], names: list[str]) -> list[dict[str, Any]]:
        """The items from the root down to ``item``, each with the names of
        the variables in ``names`` it defines: SDC evaluates those with that
        item's response item as the context (root variables: the response)."""
        path = []
        for step in _path_to(self.resource.get("item"), item) or [item]:
            found = [fhirpath_of(v) for v in c.extensions(step, c.VARIABLE)]
            defined = [f[0] for f in found if f is not None and f[0] in names]
            entry: dict[str, Any] = {"link_id": str(step.get("linkId"))}
            if defined:
                entry["variables"] = defined
            path.append(entry)
        return path

    def as_common_form(
        self, definition: Definition, score: dict[str, Any], form: _Form, link_id: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """SDC's common totals in the engine's own rules (faster, issue 15):
        the weights of the answers given (``weight()``/``ordinal()`` then
        ``sum()``) as a sum where a missing item counts 0, the answers given
        (``count()``) as a count — when every item whose answer the
        expression can see is a single choice, so that the check below
        varies each of them, and fhirpathpy agrees on every combination."""
        scope = self.form_scope(form, link_id)
        if not scope:
            return None
        fhir = definition.fhir
        assert fhir is not None  # a fhirpath score's trial definition has its fhir block
        seen = [i for i in scope if i in self.fhir_items]
        if any(self.kinds[i] != "single_choice" for i in seen):
            return None  # a number or yes/no answer: not varied below
        if any("enable_when" in self.items[i] or i in self.fhir_enable for i in seen):
            return None  # the check answers every item; it cannot try those not asked
        weights = Weights(fhir.questionnaire, fhir.items)
        others = [item for item, _ in self.calculated if self.links[str(item["linkId"])] in scope]
        if others and (
            form.kind == "count"
            or any(item.get("type") == "quantity" for item in others)
            or any(_is_number(key[1]) for key in weights.by_key)
        ):
            # Another calculated item's value is an answer too: it is counted,
            # and weighs something when an option is that plain number (or,
            # for a quantity, a coding of its unit's system and code).
            return None
        base = {k: v for k, v in score.items() if k not in ("expression", "variables", "decimals")}
        if form.kind == "count":
            candidate = {**base, "method": "count", "items": seen, "decimals": 0}
        else:
            weighted: list[str] = []
            lookup: dict[str, dict[str, Any]] = {}
            for ident in seen:
                found = {
                    code: weights.weight(value) for code, value in fhir.items[ident].options.items()
                }
                if any(w is not None for w in found.values()):
                    weighted.append(ident)
                    table = {code: 0 if w is None else w for code, w in found.items()}
                    if table != {o["code"]: o["value"] for o in self.items[ident]["options"]}:
                        lookup[ident] = table  # weights other than the options' values
            if not weighted:
                return None
            values = [o["value"] for i in weighted for o in self.items[i]["options"]]
            values += [w for table in lookup.values() for w in table.values()]
            candidate = {
                **base,
                "method": "sum",
                "items": weighted,
                **({"lookup": lookup} if lookup else {}),
                "missing": {"counts_as_zero": True},
                "decimals": max(_places(v) for v in values),
            }
        candidate["source"] = score["source"].replace(
            "evaluated by fhirpathpy",
            f"translated to a {candidate['method']} and checked with fhirpathpy",
        )
        return self.agreed(definition, score, candidate, seen)

    def form_scope(self, form: _Form, link_id: str) -> list[str] | None:
        """The ids of the items (and calculated items) whose answers the
        form reads, but the calculated item's own; None when it names a
        linkId the questionnaire lacks."""
        top = {str(i.get("linkId")) for i in _list(self.resource.get("item"))}
        ids = {v["link_id"]: k for k, v in self.fhir_items.items()} | self.links
        links = [link for link in ids if link != link_id and (form.everywhere or link in top)]
        if form.links is not None:
            if any(link not in ids for link in form.links):
                return None
            links = [link for link in links if link in form.links]
        return [ids[link] for link in links]

    def as_sum(
        self, definition: Definition, score: dict[str, Any], read: list[str]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """The sum of the items read, if it equals the FHIRPath value on
        every combination tried (all of them when there are few)."""
        if not read:
            return None
        values = [o["value"] for i in read for o in self.items[i]["options"]]
        decimals = max((_places(v) for v in values), default=0)
        candidate = {
            **{k: v for k, v in score.items() if k not in ("expression", "variables")},
            "method": "sum",
            "items": read,
            "missing": {"prorate_up_to": 0},
            "decimals": decimals,
            "source": score["source"].replace(
                "evaluated by fhirpathpy", "translated to a sum and checked with fhirpathpy"
            ),
        }
        return self.agreed(definition, score, candidate, read)

    def agreed(
        self,
        definition: Definition,
        score: dict[str, Any],
        candidate: dict[str, Any],
        read: list[str],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """``candidate`` if it gives the FHIRPath ``score``'s value on every
        combination of answers to the single choices ``read`` tried (each
        also unanswered; all combinations when there are few); with a few of
        those combinations as generated test vectors."""
        choices = [[None, *(o["code"] for o in self.items[i]["options"])] for i in read]
        combinations = _combinations(choices)
        check = parse_definition(self.trial_mapping([candidate]), source=self.source)
        expected: list[tuple[dict[str, str], Any]] = []
        for combination in combinations:
            answers = {i: code for i, code in zip(read, combination, strict=True) if code}
            want = evaluate(definition, answers).score(score["id"]).value
            got = evaluate(check, answers).score(score["id"]).value
            if (want is None) != (got is None) or (
                want is not None and got is not None and abs(want - got) > 1e-9
            ):
                return None
            expected.append((answers, want))
        lowest = {i: self.items[i]["options"][0]["code"] for i in read}
        highest = {i: self.items[i]["options"][-1]["code"] for i in read}
        one_missing = dict(list(highest.items())[1:])
        vectors = []
        for name, answers in (
            ("lowest", lowest),
            ("highest", highest),
            ("first_missing", one_missing),
        ):
            value = evaluate(definition, answers).score(score["id"]).value
            vectors.append(
                {
                    "id": f"imported_{c.slug(score['id'])}_{name}",
                    "source": (
                        f"generated at import: the value fhirpathpy computes from the file's"
                        f" calculatedExpression for {score['id']}"
                    ),
                    "answers": answers,
                    "expect": {"scores": {score["id"]: {"value": value}}},
                }
            )
        return candidate, vectors

    def trial_mapping(self, scores: list[dict[str, Any]]) -> dict[str, Any]:
        """A numbers-only definition of the items read so far and ``scores``."""
        fhirpath = any(s["method"] == "fhirpath" for s in scores)
        sections = [
            {"id": s["id"], "kind": s["kind"], "items": [_bare(i) for i in s["items"]]}
            for s in self.sections
        ]
        mapping: dict[str, Any] = {
            "format": 1,
            "id": "trial",
            "version": "0.0.0",
            "languages": [],
            "intended_use": "dialogue",
            "provenance": {"kind": "imported"},
            "instruments": [{"id": "fhir", "name": "x", "licence": "x", "source": "x"}],
            "sections": sections,
            "scores": [{k: v for k, v in s.items() if k != "label"} for s in scores],
            "test_vectors": [],
        }
        if fhirpath:
            ids = {s["id"] for s in scores}
            mapping["fhir"] = {
                "questionnaire": self.resource,
                "items": self.fhir_items,
                "scores": {k: v for k, v in self.fhir_scores.items() if k in ids},
            }
            paths = {k: v for k, v in self.fhir_paths.items() if k in ids}
            if paths:
                mapping["fhir"]["paths"] = paths
        return mapping

    # --- rules ----------------------------------------------------------------------------

    def portal_rule(self, extension: Mapping[str, Any]) -> dict[str, Any]:
        rule: dict[str, Any] = {
            "id": _sub_value(extension, "id"),
            "when": _sub_value(extension, "expression"),
            "colour": _sub_value(extension, "colour"),
            "source": _sub_value(extension, "source"),
        }
        if _sub_value(extension, "safety") is True:
            rule["safety"] = True
        included = _sub_value(extension, "included-from")
        if isinstance(included, str):
            rule["included_from"] = included
        for key in ("clinician-text", "patient-text"):
            found = c.sub_extensions(extension, key)
            if found:
                rule[key.replace("-", "_")] = self.localized(found[0])
        return rule

    def significance_rules_built(self) -> list[dict[str, Any]]:
        """eHealth answerSignificance → rules: the conditions on the item's
        answer (two: both hold), the colour, a generated clinician text."""
        rules: list[dict[str, Any]] = []
        taken: set[str] = set()
        for extension, ident in self.significance_rules:
            link_id = next(link for link, i in self.links.items() if i == ident)
            colour = _sub_value(extension, "significance")
            code = colour.get("code") if isinstance(colour, Mapping) else None
            parts = [
                self.significance_condition(e, ident)
                for e in c.sub_extensions(extension, c.ANSWER_CONDITION)
            ]
            if code not in _COLOURS or not parts or any(p is None for p in parts):
                self.note("answerSignificance not expressible (left out)", link_id)
                continue
            when = " and ".join(str(p) for p in parts)
            rule_id = c.unique(f"{c.slug(ident)}_significance", taken)
            item_text = self.items[ident]["text"].get(self.language, ident)
            rules.append(
                {
                    "id": rule_id,
                    "when": when,
                    "colour": code,
                    "clinician_text": self.make(f"{item_text}: {when} ({code})"),
                    "source": (
                        f"imported from {self.source}: ehealth-questionnaire-answerSignificance"
                        f" on item {link_id}"
                    ),
                }
            )
        return rules

    def significance_condition(self, extension: Mapping[str, Any], ident: str) -> str | None:
        """One ``ehealth-answer-Condition`` as a rule condition, or None when
        it cannot be said exactly. The FUT profile allows ``value`` as
        valueBoolean, valueDecimal, valueInteger, valueString or valueCoding,
        and the enableWhen operators (exists = != > < >= <=); an interval is
        two conditions (both hold). On a choice a value matches the options
        whose FHIR value it equals — a string the option's valueString, code
        or display, a number the option's valueInteger (ordered comparisons
        too) — and the condition becomes those codes."""
        operator = _sub_value(extension, "operator")
        values = c.sub_extensions(extension, "value")
        found = c.value_of(values[0]) if values else None
        if found is None or operator not in (*_COMPARISONS, "exists"):
            return None
        key, value = found
        kind = self.kinds[ident]
        if operator == "exists":
            return f"answered({ident})" if value is not False else f"missing({ident})"
        if kind == "yes_no":
            if key == "valueBoolean" and isinstance(value, bool) and operator in ("=", "!="):
                return f"{ident} {operator} '{'yes' if value else 'no'}'"
            return None
        if kind in ("integer", "nrs", "decimal"):
            numeric = key in ("valueInteger", "valueDecimal") and _number(value)
            return f"{ident} {operator} {value}" if numeric else None
        if kind not in ("single_choice", "multiple_choice", "body_regions"):
            return None  # a free text, date …: the rule language does not compare them
        codes = self.matching_codes(ident, key, value, str(operator))
        if not codes:
            return None
        if kind == "single_choice":
            parts = [f"{ident} = {c.string_literal(code)}" for code in codes]
        else:
            parts = [f"selected({ident}, {c.string_literal(code)})" for code in codes]
        if len(parts) == 1:
            return parts[0]
        return "(" + " or ".join(parts) + ")"

    def matching_codes(self, ident: str, key: str, value: Any, operator: str) -> list[str]:
        """The option codes of a choice item whose FHIR value satisfies
        ``<answer> <operator> <value>`` (for ``!=``: every other option — a
        condition on an answer, so the item must be answered)."""
        options: Mapping[str, Any] = self.fhir_items.get(ident, {}).get("options", {})
        equal: list[str] = []
        for code, fhir in options.items():
            if key == "valueCoding" and isinstance(value, Mapping):
                same = isinstance(fhir, Mapping) and fhir.get("code") == value.get("code")
                if same and value.get("system") and fhir.get("system"):
                    same = fhir.get("system") == value.get("system")
            elif key == "valueString" and isinstance(value, str):
                texts = [fhir.get("code"), fhir.get("display")] if isinstance(fhir, Mapping) else []
                same = value in (fhir if isinstance(fhir, str) else None, code, *texts)
            elif key in ("valueInteger", "valueDecimal") and _number(value):
                number = fhir if _number(fhir) else None
                if number is None:
                    return []  # numbers compared with codes or texts: no meaning
                same = COMPARISON[operator](number, value)
                if same:
                    equal.append(code)
                continue
            else:
                return []
            if same:
                equal.append(code)
        if key in ("valueInteger", "valueDecimal"):
            return equal
        if operator == "=":
            return equal
        if operator == "!=" and equal:
            return [code for code in options if code not in equal]
        return []  # a code or text compared by order, or a value no option has

    # --- the definition ----------------------------------------------------------------------

    def assemble(
        self, scores: list[dict[str, Any]], vectors: list[dict[str, Any]]
    ) -> dict[str, Any]:
        resource = self.resource
        own = self.own or {}
        qid = self.questionnaire_id()
        version = resource.get("version")
        if not isinstance(version, str) or not VERSION.fullmatch(version):
            if version is not None:
                self.note(
                    f"version {version!r} is not MAJOR.MINOR.PATCH (imported as 1.0.0)",
                    "Questionnaire",
                )
            version = "1.0.0"
        title = self.text(resource, "title", str(resource.get("name") or qid))
        description = self.text(resource, "description", None)
        if not description:  # the title, in the same languages
            description = dict(title)
            generated = any(text is title for text in self.generated)
            (self.generated if generated else self.texts).append(description)
        where = resource.get("url") or self.source
        stated = resource.get("version")
        stated_version = f" version {stated}" if stated else ""
        licence = resource.get("copyright") if isinstance(resource.get("copyright"), str) else None
        mapping: dict[str, Any] = {
            "format": 1,
            "id": qid,
            "version": version,
            "languages": [],
            "title": title,
            "description": description,
            "intended_use": own.get("intended_use", "dialogue"),
            "patient_group": own.get("patient_group")
            or {
                "description": self.make("Not stated in the FHIR Questionnaire"),
                "inclusion": [],
                "exclusion": [],
            },
            "recall_period": own.get("recall_period")
            or self.make("Not stated in the FHIR Questionnaire"),
            "provenance": {
                "kind": "imported",
                "note": self.make(
                    f"Imported from the FHIR Questionnaire {where}{stated_version};"
                    " a draft awaiting clinical review."
                ),
            },
            "instruments": own.get("instruments")
            or [
                {
                    "id": c.section_id_for(qid, set()),
                    "name": str(resource.get("title") or resource.get("name") or qid),
                    "licence": licence or LICENCE_NOT_STATED,
                    "source": f"FHIR Questionnaire {where}"
                    + (
                        f", published by {resource['publisher']}"
                        if resource.get("publisher")
                        else ""
                    ),
                }
            ],
            "sections": self.sections,
            "scores": scores,
            "rules": self.rules,
            "test_vectors": vectors,
        }
        if "triage" in own:
            mapping["triage"] = own["triage"]
        if own.get("trended_scores"):
            mapping["trended_scores"] = own["trended_scores"]
        if own.get("brief"):
            mapping["brief"] = own["brief"]
        if own.get("patient_support"):
            mapping["patient_support"] = own["patient_support"]
        if self.own is not None:
            raw = c.extension_value(resource, c.TEST_VECTORS)
            mapping["test_vectors"] = (
                self.embedded(raw, "test-vectors extension", "Questionnaire")
                if isinstance(raw, str)
                else []
            )
            self.own_texts(mapping)
        reads_patient = self.own is None and self.launch_contexts()
        if own.get("fhir"):  # PRO Portal's export: the block as the definition had it
            mapping["fhir"] = own["fhir"]
        elif any(s.get("method") == "fhirpath" for s in scores) or self.fhir_enable:
            mapping["fhir"] = {
                "questionnaire": copy.deepcopy(dict(resource)),
                "items": self.fhir_items,
                "scores": self.fhir_scores,
                **self.paths_of(scores),
            }
            if self.fhir_enable:
                mapping["fhir"]["enable"] = self.fhir_enable
            if reads_patient:
                mapping["fhir"]["launch"] = ["patient"]
        elif typed := self.typed_items():
            mapping["fhir"] = {"items": typed}  # the export writes their options so again
        self.languages(mapping)
        return mapping

    def typed_items(self) -> dict[str, dict[str, Any]]:
        """The choice items whose options are strings or integers in the
        file (FUT's questionnaires answer with ``valueString``), as
        ``fhir.items`` says them."""
        return {
            ident: mapped
            for ident, mapped in self.fhir_items.items()
            if mapped.get("answer") in TYPED_OPTIONS and mapped.get("options")
        }

    def launch_contexts(self) -> bool:
        """Whether an expression PRO Portal evaluates (variable,
        calculatedExpression, enableWhenExpression) reads the SDC launch
        context ``%patient`` (declared by sdc-questionnaire-launchContext or
        not); named, with the items whose expressions read it, since what is
        asked or scored then depends on the patient's sex or age. One read
        only by an expression left out (initialExpression) is not."""
        reading: list[str] = []
        fields: set[str] = set()
        holders = [self.resource, *_all_items(self.resource.get("item"))]
        for holder in holders:
            texts = [
                found[1]
                for url in (c.VARIABLE, c.CALCULATED, c.ENABLE_WHEN_EXPRESSION)
                for extension in c.extensions(holder, url)
                for found in [fhirpath_of(extension)]
                if found is not None
            ]
            read = [t for t in texts if PATIENT_USE.search(t)]
            if read:
                reading.append(str(holder.get("linkId", "Questionnaire")))
                fields.update(f for t in read for f in _PATIENT_FIELD.findall(t))
        if not reading:
            return False
        given = {"gender": "sex", "birthDate": "birth date"}
        what = " and ".join(given[f] for f in PATIENT_GIVEN if f in fields) or "record"
        never = sorted(fields - set(PATIENT_GIVEN))
        unread = f"; %patient.{', %patient.'.join(never)} is never given (empty)" if never else ""
        for subject in reading:
            self.note(
                f"reads the patient's {what} (%patient): given from the patient record"
                " (never the name or CPR number) wherever a response is scored; empty, as in"
                " an SDC form filler launched without a patient, where none is known (the"
                f" preview, manage.py score without --gender){unread}",
                subject,
            )
        return True

    def paths_of(self, scores: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"paths": …}`` for the fhirpath scores among ``scores``, if any."""
        fhirpath = {s["id"] for s in scores if s.get("method") == "fhirpath"}
        paths = {k: v for k, v in self.fhir_paths.items() if k in fhirpath}
        return {"paths": paths} if paths else {}

    def own_texts(self, mapping: dict[str, Any]) -> None:
        """Texts taken from PRO Portal's definition extension join the
        language check like any other."""
        group = mapping["patient_group"]
        found = [mapping["recall_period"], group["description"], *group["inclusion"]]
        found += [*group["exclusion"], mapping.get("patient_support", {}).get("default", {})]
        found += [b["label"] for s in mapping["scores"] for b in s.get("bands", []) if "label" in b]
        self.texts.extend(t for t in found if t)

    def questionnaire_id(self) -> str:
        url = self.resource.get("url")
        if self.own is not None and isinstance(url, str) and url.startswith(c.QUESTIONNAIRE_URL):
            return url.removeprefix(c.QUESTIONNAIRE_URL)
        for value in (*(self.resource.get(k) for k in ("id", "name", "title")), self.fallback_id):
            if isinstance(value, str) and c.slug(value):
                name = c.slug(value)
                return name if name[0].isalpha() else f"q_{name}"
        return "imported"

    def languages(self, mapping: dict[str, Any]) -> None:
        """The resource's language, plus every language every text has a
        translation in; texts keep only those, generated ones get them all."""
        texts = self.texts
        common = set.intersection(*(set(t) for t in texts)) if texts else set()
        extra = sorted(lang for lang in common if lang != self.language)
        chosen = [self.language, *extra]
        dropped = sorted({lang for t in texts for lang in t} - set(chosen))
        if dropped:
            self.note(
                f"translations not kept (not every text has one): {c.join(dropped)}",
                "Questionnaire",
            )
        for text in self.texts:
            for lang in list(text):
                if lang not in chosen:
                    del text[lang]
        for text in self.generated:
            value = text[self.language]
            text.update(dict.fromkeys(chosen, value))
        mapping["languages"] = chosen

    def parse(self, mapping: dict[str, Any]) -> Definition:
        try:
            return parse_definition(mapping, source=self.source)
        except DefinitionError as error:
            raise FhirImportError(
                [
                    f"{self.source}: the imported definition is not valid: {p}"
                    for p in error.problems
                ]
            ) from None

    def check_vectors(
        self, definition: Definition, mapping: dict[str, Any]
    ) -> tuple[Definition, dict[str, Any]]:
        failing = sorted({f.vector_id for f in run_test_vectors(definition)})
        if not failing:
            return definition, mapping
        self.note("test vectors failing after import (left out)", c.join(failing))
        mapping["test_vectors"] = [v for v in mapping["test_vectors"] if v["id"] not in failing]
        return self.parse(mapping), mapping


# --- helpers --------------------------------------------------------------------------------


def _list(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _truthy(value: object) -> bool:
    return value is True or value == "true"


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class _Form:
    """A calculatedExpression of a common form: ``kind`` "weights" (a sum
    of ``weight()`` or ``ordinal()``) or "count"; over ``%resource.item``
    (top-level items) or every item (``everywhere``: ``repeat(item)``,
    ``descendants()``); ``links``: the linkIds a ``where`` keeps, if any."""

    kind: str
    everywhere: bool
    links: frozenset[str] | None


_STRING = r"'([^'\\]*)'"
_FORM = re.compile(
    r"\s*%resource\.(?P<scope>item|repeat\(item\)|descendants\(\))"
    r"(?:\.where\((?P<where>[^()]*(?:\([^()]*\))?[^()]*)\))?"
    r"\.answer(?:\.value)?\.(?:(?P<weight>weight|ordinal)\(\)\.sum|count)\(\)\s*"
)
_IN = re.compile(rf"\s*linkId\s+in\s+\(\s*{_STRING}(?:\s*\|\s*{_STRING})*\s*\)\s*")
_EQUALS = re.compile(rf"\s*linkId\s*=\s*{_STRING}\s*(?:or\s+linkId\s*=\s*{_STRING}\s*)*")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _common_form(expression: str) -> _Form | None:
    """The form of ``expression`` when it is one the engine computes itself
    (docs/definitions.md § FHIR, *Scores*), else None. A ``where`` must name
    its linkIds: ``linkId in ('a' | 'b')`` or ``linkId = 'a' or linkId = 'b'``."""
    found = _FORM.fullmatch(expression)
    if found is None:
        return None
    where = found.group("where")
    links: frozenset[str] | None = None
    if where is not None:
        if not (_IN.fullmatch(where) or _EQUALS.fullmatch(where)):
            return None
        links = frozenset(re.findall(_STRING, where))
    return _Form(
        "weights" if found.group("weight") else "count", found.group("scope") != "item", links
    )


def _combinations(choices: list[list[str | None]]) -> list[tuple[str | None, ...]]:
    """Answer combinations to check a translation on (``None``: unanswered):
    all of them when few; else every option of every item (the others at
    their first option), every item unanswered in turn (the others at their
    last), nothing answered, and a fixed random sample."""
    every = list(itertools.islice(itertools.product(*choices), MAX_COMBINATIONS + 1))
    if len(every) <= MAX_COMBINATIONS:
        return every
    firsts = [options[1] for options in choices]
    lasts = [options[-1] for options in choices]
    found: list[tuple[str | None, ...]] = [tuple(firsts), tuple(lasts), (None,) * len(choices)]
    for index, options in enumerate(choices):
        for option in options[2:]:
            found.append((*firsts[:index], option, *firsts[index + 1 :]))
        found.append((*lasts[:index], None, *lasts[index + 1 :]))
    chooser = random.Random(20240531)  # noqa: S311 - a fixed sample, not security
    found += [
        tuple(chooser.choice(options) for options in choices) for _ in range(MAX_COMBINATIONS)
    ]
    return found


def _places(value: object) -> int:
    if isinstance(value, float) and not value.is_integer():
        return len(repr(value).split(".")[1])
    return 0


def _short(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _codes(concept: object) -> list[str]:
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    return [str(coding.get("code")) for coding in _list(codings)]


def _control(extension: Mapping[str, Any]) -> str:
    return ", ".join(_codes(extension.get("valueCodeableConcept"))) or "?"


def _joined(titles: list[dict[str, str]]) -> dict[str, str]:
    languages = set.intersection(*(set(t) for t in titles))
    return {lang: " › ".join(t[lang] for t in titles) for lang in sorted(languages)}


def _sub_value(extension: Mapping[str, Any], url: str) -> Any:
    return c.extension_value(extension, url)


def _ordinal(holder: Mapping[str, Any], coding: Mapping[str, Any]) -> Any:
    for element in (holder, coding):
        for url in (c.ORDINAL_VALUE, c.CO_VALUE, c.ITEM_WEIGHT):
            value = c.extension_value(element, url)
            if _number(value):
                return value
    return None


def _flatten(contains: object) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for concept in _list(contains):
        if concept.get("code"):
            found.append(concept)
        found.extend(_flatten(concept.get("contains")))
    return found


#: ``%patient.gender`` → ``gender``: the elements of the patient an expression reads.
_PATIENT_FIELD = re.compile(r"%`?patient`?\.([A-Za-z]+)")


def _launch_name(extension: Mapping[str, Any]) -> str | None:
    """The ``name`` of an sdc-questionnaire-launchContext (``patient``)."""
    for part in _list(extension.get("extension")):
        if part.get("url") == "name":
            coding = part.get("valueCoding")
            code = coding.get("code") if isinstance(coding, Mapping) else part.get("valueId")
            return code if isinstance(code, str) else None
    return None


def _all_items(items: object) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for item in _list(items):
        found.append(item)
        found.extend(_all_items(item.get("item")))
    return found


def _ancestry(items: object, link_id: str) -> list[Mapping[str, Any]]:
    """The items from the root down to the one with ``link_id`` (empty when
    there is none)."""
    for item in _list(items):
        if item.get("linkId") == link_id:
            return [item]
        below = _ancestry(item.get("item"), link_id)
        if below:
            return [item, *below]
    return []


def _find(items: object, link_id: str) -> Mapping[str, Any] | None:
    for item in _list(items):
        if item.get("linkId") == link_id:
            return item
        found = _find(item.get("item"), link_id)
        if found is not None:
            return found
    return None


def _path_to(items: object, target: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The items from the root down to ``target`` (the same object), or None."""
    for item in _list(items):
        if item is target:
            return [item]
        below = _path_to(item.get("item"), target)
        if below is not None:
            return [item, *below]
    return None


def _bare(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item without its texts (for the numbers-only trial definition)."""
    bare = {k: v for k, v in item.items() if k not in ("text", "help", "unit", "anchors")}
    if "options" in bare:
        bare["options"] = [{k: v for k, v in o.items() if k != "label"} for o in bare["options"]]
    return bare
