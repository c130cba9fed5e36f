"""A simulated respondent for the hosted survey: reads a page's form and fills it in, as the load bench and the
tests need. Pure (HTML in, form fields out); knows the pages only through their HTML.

Pages are read by :func:`parse_form`, a lean reader of the survey's own form markup (a precompiled pattern over
the ``<form>``, ``<input>`` and ``<button>`` tags its templates write, with double-quoted attributes): several
times cheaper than a full HTML parse, which matters when thousands of simulated respondents share two cores.
:func:`parse_form_html` is the full reading with :mod:`html.parser`; the survey's tests check that both read
every page alike, and :func:`parse_form` raises :class:`FormMarkupError` rather than answer a page whose tags it
cannot read.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

EXCLUSIVE = frozenset({"none", "dont_know"})


@dataclass
class PageForm:
    action: str = ""
    hidden: list[tuple[str, str]] = field(default_factory=list)
    radios: dict[str, list[str]] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)  # names of text inputs, one entry per box
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: PageForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.form is None:
            self.form = PageForm(action=a.get("action", ""))
        if self.form is None:
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "hidden":
                self.form.hidden.append((name, a.get("value", "")))
            elif kind == "radio":
                self.form.radios.setdefault(name, []).append(a.get("value", ""))
            elif kind == "checkbox":
                self.form.checkboxes.setdefault(name, []).append(a.get("value", ""))
            elif kind in ("text", "number"):
                self.form.texts.append(name)
        elif tag == "button" and name:
            self.form.buttons.append((name, a.get("value", "")))


def parse_form_html(page: str) -> PageForm | None:
    """The first form of a page, or None when the page has none (a message page), read by a full HTML parser."""
    parser = _Parser()
    parser.feed(page)
    return parser.form


class FormMarkupError(ValueError):
    """A page whose form tags the lean reader cannot read (the survey's markup changed)."""


_TAG = re.compile(r"<(form|input|button)(\s[^<>]*)?>", re.IGNORECASE)
_ATTR = re.compile(r'\s+([A-Za-z_:][-\w:.]*)(?:="([^"]*)")?')
_ATTRS = re.compile(r'(?:\s+[A-Za-z_:][-\w:.]*(?:="[^"]*")?)*\s*/?')
_OPENINGS = re.compile(r"<(?:form|input|button)\b", re.IGNORECASE)


def _attrs(text: str) -> dict[str, str]:
    if _ATTRS.fullmatch(text) is None:
        raise FormMarkupError(f"attributes the lean reader cannot read: {text.strip()[:80]!r}")
    out: dict[str, str] = {}
    for name, value in _ATTR.findall(text):
        out[name.lower()] = html.unescape(value) if "&" in value else value
    return out


def parse_form(page: str) -> PageForm | None:
    """The first form of a page, or None when the page has none (a message page): what
    :func:`parse_form_html` reads, from the survey's own markup only. Raises :class:`FormMarkupError` when a
    form, input or button tag of the page is not one it can read."""
    start = page.find("<form")
    if start < 0:
        if _OPENINGS.search(page):
            raise FormMarkupError("a form tag the lean reader cannot read (not '<form ...>')")
        return None
    form: PageForm | None = None
    read = 0
    for match in _TAG.finditer(page, start):
        read += 1
        tag = match.group(1).lower()
        a = _attrs(match.group(2) or "")
        if tag == "form":
            if form is None:
                form = PageForm(action=a.get("action", ""))
            continue
        assert form is not None  # the first tag read is the form at ``start``
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "hidden":
                form.hidden.append((name, a.get("value", "")))
            elif kind == "radio":
                form.radios.setdefault(name, []).append(a.get("value", ""))
            elif kind == "checkbox":
                form.checkboxes.setdefault(name, []).append(a.get("value", ""))
            elif kind in ("text", "number"):
                form.texts.append(name)
        elif name:
            form.buttons.append((name, a.get("value", "")))
    if form is None or read != len(_OPENINGS.findall(page, start)):
        raise FormMarkupError("a form, input or button tag the lean reader cannot read")
    return form


@dataclass(frozen=True)
class Persona:
    """How the simulated respondent answers. ``unaided``: texts typed into the unaided boxes."""

    unaided: Sequence[str] = ("Acme", "north peak")
    attention: str = "disagree"
    straight_line: bool = False
    choose_all: bool = False  # tick every brand of multi-choice lists (else a random non-empty subset)


def fill(form: PageForm, rng: random.Random, persona: Persona = Persona()) -> list[tuple[str, str]]:
    """Form fields answering every question of the page (the intro page: the start button)."""
    if any(name == "action" for name, _ in form.buttons):
        return [("action", "start")]
    fields = list(form.hidden)
    for name, values in sorted(form.radios.items()):  # in a fixed order, whatever order the rows were shown
        if name == "attention_check":
            choice = persona.attention
        elif name.startswith("image.") and persona.straight_line:
            choice = "yes"
        else:
            choice = rng.choice(sorted(values))  # independent of the order shown
        fields.append((name, choice))
    for name, values in sorted(form.checkboxes.items()):
        if name.endswith(".option"):
            continue  # the "don't know" beside the unaided boxes: the persona types brands instead
        normal = [v for v in values if v not in EXCLUSIVE]
        if persona.choose_all:
            picked = normal or values[:1]
        else:
            picked = rng.sample(sorted(normal), k=rng.randint(1, len(normal))) if normal else values[:1]
        fields += [(name, v) for v in picked]
    typed = iter(persona.unaided)
    for name in form.texts:
        fields.append((name, next(typed, "") if name == "unaided" else ""))
    return fields
