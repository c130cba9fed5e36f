"""Learnt aliases: a code frame extended by the codings people decided in review (pure; no storage).

A reviewer decides, for a mention the coder left uncoded or coded wrongly, which brand it names (or that it
names none). :func:`learn_aliases` turns a batch of such decisions into a new frame version in which those
spellings are coded automatically from then on — and, through the fuzzy and phonetic rules, their misspellings
too. :func:`proposed_aliases` says what it would learn and why, for an audit trail.

What is learnt from one decision ``(text, brand_id)``:

- the coder already codes ``text`` to exactly ``brand_id``: nothing (and the decision is no vote);
- a brand was decided: the one uncoded fragment of ``text``, without stop words at its ends ("I think
  sainsbos" → "sainsbos"), becomes a learned alias; when the coder found no fragment but a wrong brand ("Umbra"
  coded Umbro, decided another brand), the whole normalised text does;
- no brand was decided but the coder found one ("Lulus" coded Lululemon): the normalised text is marked "not a
  brand" so it is no longer coded; an uncoded fragment decided "no brand" is a vote for leaving it uncoded.

Decisions that cannot be learnt are skipped, never guessed: a text with several uncoded fragments, a spelling
that is the name or configured alias of a brand (or equal to one after normalisation: "Bosse" is "Bose"), a
text without letters or digits, and a spelling decided differently by reviewers without a strict majority
(ties are skipped; the majority wins otherwise).

:func:`rebase` carries what was learnt over to the poll's current brands when its brand list changes (names and
aliases edited with the poll): one new frame version with the new brands, keeping each learned alias and "not a
brand" term that does not collide with a name or alias of the new brands (those win) and whose brand remains.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from recognition.mentions.coding import Brand, CodeFrame, code_text
from recognition.mentions.spelling import is_stop, make_variant

__all__ = ["ProposedAlias", "learn_aliases", "proposed_aliases", "rebase"]

_NOT_A_BRAND = "not a brand"


@dataclass(frozen=True)
class ProposedAlias:
    """A spelling to learn: ``text`` (normalised) → ``brand_id`` (None: not a brand), agreed by ``votes`` of
    the ``decisions`` reviewers made about it."""

    text: str
    brand_id: str | None
    votes: int
    decisions: int


def _spelling(text: str, brand_id: str | None, frame: CodeFrame) -> str | None:
    """The spelling one decision is about, or None when it teaches nothing.

    A decision the coder already follows with a brand says nothing about any fragment ("nike and the tick one"
    decided Nike). A brand found where reviewers saw none makes the whole normalised text the spelling
    ("champions league"). Otherwise the spelling is the one uncoded fragment without stop words at its ends,
    or — when nothing was left uncoded but a wrong brand was found — the whole normalised text.
    """
    if brand_id is not None and brand_id not in frame.brand_ids:
        raise ValueError(f"reviewed coding of {text!r}: unknown brand {brand_id!r}")
    mention = code_text(text, frame)
    if mention.brands and mention.brands == ((brand_id,) if brand_id else ()):
        return None
    if brand_id is None and mention.brands:
        return mention.normalised.replace(",", "")  # a brand was read into it: the whole text is no brand
    if len(mention.unmatched) == 1:
        return _trimmed(mention.unmatched[0])
    if not mention.unmatched and mention.brands:
        return mention.normalised.replace(",", "")
    return None


def _trimmed(spelling: str) -> str:
    """``spelling`` without stop words at either end ("i think sainsbos" → "sainsbos")."""
    tokens = spelling.split()
    while len(tokens) > 1 and is_stop(tokens[0]):
        tokens.pop(0)
    while len(tokens) > 1 and is_stop(tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def _configured_keys(frame: CodeFrame) -> set[str]:
    return {make_variant(b.id, spelling).key for b in frame.brands for spelling in (b.name, *b.aliases)}


def proposed_aliases(
    frame: CodeFrame, reviewed: Iterable[tuple[str, str | None]]
) -> tuple[ProposedAlias, ...]:
    """What :func:`learn_aliases` would add, in order of first appearance of each spelling."""
    votes: dict[str, Counter[str | None]] = {}
    texts: dict[str, str] = {}
    configured = _configured_keys(frame)
    for text, brand_id in reviewed:
        spelling = _spelling(text, brand_id, frame)
        if spelling is None or not spelling.strip():
            continue
        try:
            variant = make_variant(brand_id or _NOT_A_BRAND, spelling)
        except ValueError:
            continue
        if variant.key in configured:
            continue
        texts.setdefault(variant.key, " ".join(variant.tokens))
        votes.setdefault(variant.key, Counter())[brand_id] += 1
    out = []
    for spelling_key, counter in votes.items():
        ranked = counter.most_common(2)
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            continue  # reviewers disagree evenly: leave it for another look
        brand_id, count = ranked[0]
        if code_text(texts[spelling_key], frame).brands == ((brand_id,) if brand_id else ()):
            continue  # the coder already does what the reviewers decided
        out.append(ProposedAlias(texts[spelling_key], brand_id, count, sum(counter.values())))
    return tuple(out)


def learn_aliases(frame: CodeFrame, reviewed: Iterable[tuple[str, str | None]]) -> CodeFrame:
    """``frame`` extended by the reviewed codings ``(mention text, brand id or None)``: one new version (the
    version + 1) holding every learnable spelling, or ``frame`` itself when there is nothing to learn.

    A spelling learnt before is replaced by the new decision (as :meth:`CodeFrame.recode` does). ``ValueError``
    names a decision with an unknown brand id.
    """
    proposals = proposed_aliases(frame, reviewed)
    if not proposals:
        return frame
    new_keys = {make_variant(p.brand_id or _NOT_A_BRAND, p.text).key for p in proposals}
    learned = [(a, b) for a, b in frame.learned_aliases if make_variant(b, a).key not in new_keys]
    not_brand = [t for t in frame.not_brand if make_variant(_NOT_A_BRAND, t).key not in new_keys]
    for proposal in proposals:
        if proposal.brand_id is None:
            not_brand.append(proposal.text)
        else:
            learned.append((proposal.text, proposal.brand_id))
    return CodeFrame(frame.brands, frame.version + 1, tuple(learned), tuple(not_brand))


def rebase(frame: CodeFrame, brands: Iterable[Brand]) -> CodeFrame:
    """``frame`` itself when its brands are ``brands``; otherwise the next version with ``brands`` and the
    learned aliases and "not a brand" terms that still fit (see the module docstring). ``ValueError`` when the
    new brands are not a valid frame (two brands sharing a name or alias)."""
    brands = tuple(brands)
    if brands == frame.brands:
        return frame
    configured = {make_variant(b.id, spelling).key: b.id for b in brands for spelling in (b.name, *b.aliases)}
    learned = tuple(
        (alias, brand_id)
        for alias, brand_id in frame.learned_aliases
        if brand_id in {b.id for b in brands} and make_variant(brand_id, alias).key not in configured
    )
    not_brand = tuple(t for t in frame.not_brand if make_variant(_NOT_A_BRAND, t).key not in configured)
    return CodeFrame(brands, frame.version + 1, learned, not_brand)
