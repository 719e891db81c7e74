"""What a medical reviewer sees before approving a snapshot: the changes, and what to check.

Pure functions on snapshots (see ``uses.serializers``), never on the working copy: the reviewer
approves the frozen JSON, so the diff and the checklist must describe exactly that JSON. Without
database access they also work on old publications and in tests without a database.
"""

import difflib
import functools
import re

import pyphen
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from uses import grading
from uses.models import choices
from uses.models.content import citation_problem
from uses.models.publishing import address_of
from uses.serializers import is_reference, upgrade_snapshot
from uses.validators import validate_doi, validate_pmid, validate_trial_id

PLAIN_LANGUAGE_GRADE = 9
PLAIN_LANGUAGE_ADVICE = f"plain language is grade {PLAIN_LANGUAGE_GRADE} or below"

# What a reviewer compares, with the labels the diff shows for them.
ENTRY_FIELDS = {
    "title": "Title", "article_heading": "Article heading", "category": "Category",
    "approval": "Approval", "regimen": "Regimen", "formulations": "Formulations",
    "summary": "Summary", "body": "Body", "author": "Author",
    "review_interval_months": "Review interval (months)",
}  # fmt: skip
EVIDENCE_FIELDS = {
    "design": "Study design", "certainty": "Certainty", "direction": "Direction",
    "citation_needed": "Citation needed", "rationale": "Rationale", "sources": "Sources",
}  # fmt: skip
SOURCE_FIELDS = {
    "title": "Title", "authors": "Authors", "publisher": "Publisher", "year": "Year",
    "url": "URL", "doi": "DOI", "pmid": "PMID", "trial_id": "Trial id", "kind": "Kind",
    "mentioned_only": "Mentioned only", "note": "Note",
}  # fmt: skip
# Keys whose stored codes are shown as the labels of their vocabulary.
VOCABULARIES: dict[str, type[models.TextChoices]] = {
    "category": choices.Category, "approval": choices.Approval, "regimen": choices.Regimen,
    "design": choices.StudyDesign, "certainty": choices.Certainty,
    "direction": choices.Direction, "kind": choices.SourceKind,
}  # fmt: skip
IDENTIFIERS = (
    ("doi", "DOI", validate_doi),
    ("pmid", "PMID", validate_pmid),
    ("trial_id", "trial id", validate_trial_id),
)
LINKS = (("url", "URL"), ("doi", "DOI"), ("pmid", "PMID"), ("trial_id", "trial id"))

# Numbers (a dose such as 4.5 or 1,000 is one token), words, punctuation and the whitespace
# between them: joining the tokens gives back the text.
_TOKENS = re.compile(r"\s+|\d+(?:[.,]\d+)*|\w[\w'\u2019-]*|[^\w\s]")
# Anything a reader would call a word or a number: unchanged text with none of it (spaces,
# punctuation) may join two changes; unchanged text with some ("4") never does.
_HAS_WORD_OR_NUMBER = re.compile(r"\w")
_MARKDOWN = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) and ![alt](src)
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<[^>]*>"), " "),  # HTML tags and <autolinks>
    (re.compile(r"^ {0,3}>[ \t]?", re.M), ""),  # blockquotes
    (re.compile(r"^ {0,3}(#{1,6}|[-*+]|\d+[.)])[ \t]+(.*?)[.!?:;]?[ \t]*$", re.M), r"\2."),
    (re.compile(r"[*_`~]+"), ""),  # emphasis and code spans
)


def display(key: str, value: object) -> str:
    """The value of ``key`` as the reviewer reads it: labels rather than stored codes."""
    if value is None or value == "":
        return ""
    if key in VOCABULARIES:
        return dict(VOCABULARIES[key].choices).get(value, str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):  # a person
        return value.get("display_name") or value.get("name", "")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def word_diff(old: str, new: str) -> SafeString:
    """Escaped HTML of ``new`` with removed words in <del> and added words in <ins>.

    Words rather than characters: a reviewer reads changed wording, not changed letters. Spaces
    or punctuation between two changes join them, so a rewritten phrase reads as one <del> and
    one <ins> instead of alternating word by word.
    """
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    chunks: list[tuple[bool, str, str]] = []  # (changed, old text, new text)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        changed = tag != "equal"
        bridge = (
            not changed and not _HAS_WORD_OR_NUMBER.search(old_part) and index < len(opcodes) - 1
        )
        if (changed or bridge) and chunks and chunks[-1][0]:
            chunks[-1] = (True, chunks[-1][1] + old_part, chunks[-1][2] + new_part)
        else:
            chunks.append((changed, old_part, new_part))
    pieces = []
    for changed, old_part, new_part in chunks:
        if not changed:
            pieces.append(escape(new_part))
            continue
        if old_part:
            pieces.append(format_html("<del>{}</del>", old_part))
        if new_part:
            pieces.append(format_html("<ins>{}</ins>", new_part))
    return mark_safe("".join(pieces))  # every piece is escaped above


def _changed_fields(old: dict, new: dict, fields: dict[str, str]) -> list[dict]:
    changes = []
    for key, label in fields.items():
        before, after = display(key, old.get(key)), display(key, new.get(key))
        if before != after:
            html = word_diff(before, after)
            changes.append({"name": key, "label": label, "old": before, "new": after, "html": html})
    return changes


def _labelled_evidence(item: dict) -> dict:
    return {
        **item,
        **{f"{key}_label": display(key, item[key]) for key in ("design", "certainty", "direction")},
    }


def _complete_source(source: dict) -> dict:
    """Every compared key present, so templates can rely on them even for older snapshots."""
    source = dict.fromkeys(SOURCE_FIELDS, "") | {"mentioned_only": False, "year": None} | source
    return {
        **source,
        "kind_label": display("kind", source["kind"]),
        "is_reference": is_reference(source),
    }


def _same_item(old: dict, new: dict, *, by_id: bool) -> bool:
    if by_id:
        return new["id"] is not None and old["id"] == new["id"]
    return None in (old["id"], new["id"]) and old["claim"] == new["claim"]


def _pair_evidence(old: list[dict], new: list[dict]) -> tuple[list, list, list]:
    """(pairs, added, removed): by id first, then by identical claim where an id is missing."""
    unmatched, matches = list(old), {}
    for by_id in (True, False):
        for index, item in enumerate(new):
            candidates = (o for o in unmatched if _same_item(o, item, by_id=by_id))
            if index not in matches and (match := next(candidates, None)) is not None:
                unmatched.remove(match)
                matches[index] = match
    pairs = [(matches[index], item) for index, item in enumerate(new) if index in matches]
    added = [item for index, item in enumerate(new) if index not in matches]
    return pairs, added, unmatched


def _evidence_diff(old: list[dict], new: list[dict]) -> dict:
    pairs, added, removed = _pair_evidence(old, new)
    changed = []
    for before, after in pairs:
        fields = _changed_fields(before, after, EVIDENCE_FIELDS)
        if fields or before["claim"] != after["claim"]:
            claim_html = word_diff(before["claim"], after["claim"])
            changed.append({"id": after["id"], "claim_html": claim_html, "fields": fields})
    return {
        "added": [_labelled_evidence(item) for item in added],
        "removed": [_labelled_evidence(item) for item in removed],
        "changed": changed,
    }


def _sources_diff(old: list[dict], new: list[dict]) -> dict:
    before = {source["key"]: _complete_source(source) for source in old}
    after = {source["key"]: _complete_source(source) for source in new}
    changed = []
    for key, source in after.items():
        if key in before and (fields := _changed_fields(before[key], source, SOURCE_FIELDS)):
            changed.append({"key": key, "title": source["title"], "fields": fields})
    return {
        "added": [source for key, source in after.items() if key not in before],
        "removed": [source for key, source in before.items() if key not in after],
        "changed": changed,
    }


def _address_change(old: dict, new: dict, *, is_new: bool) -> dict | None:
    """The public address a submission moves the page to, with the redirect it leaves."""
    if not new["slug"] or not (is_new or old["slug"]):
        return None  # a snapshot without an address (older tests and partial snapshots)
    after = address_of(new["kind"], new["slug"])
    before = "" if is_new else address_of(old["kind"], old["slug"])
    if is_new:
        note = f"The page will be at {after}."
    elif before != after:
        note = f"The address changes from {before} to {after}"
        if old["kind"] == new["kind"]:  # a move within uses or topics leaves a redirect
            note += f"; {before} will redirect (301) to the new address."
        else:
            note += "."
    else:
        return None
    html = word_diff(before, after)
    return {"name": "address", "label": "Address", "html": html, "note": note}


def diff_snapshots(
    old: dict | None,
    new: dict,
    *,
    name: str = "published",
    compared_with: str = "against the published version",
) -> dict:
    """What changed between the published snapshot (None if never published) and ``new``.

    A new entry is compared with an empty one of its kind, so everything shows as added.
    ``name`` and ``compared_with`` label the comparison when a page shows more than one.
    """
    is_new = old is None
    new = upgrade_snapshot(new)
    old = upgrade_snapshot({"kind": new["kind"]} if old is None else old)
    fields = [{**change, "note": ""} for change in _changed_fields(old, new, ENTRY_FIELDS)]
    if address := _address_change(old, new, is_new=is_new):
        fields.insert(0, address)
    evidence = _evidence_diff(old["evidence"], new["evidence"])
    sources = _sources_diff(old["sources"], new["sources"])
    lists = [*evidence.values(), *sources.values()]
    return {
        "name": name,
        "compared_with": compared_with,
        "fields": fields,
        "evidence": evidence,
        "sources": sources,
        "is_new": is_new,
        "has_changes": bool(fields) or any(lists),
    }


def plain_text(markdown: str) -> str:
    """Markdown reduced roughly to its words, for reading-level formulas.

    Headings and list items end with a full stop, so they count as sentences of their own rather
    than lengthening the sentence that follows them.
    """
    for pattern, replacement in _MARKDOWN:
        markdown = pattern.sub(replacement, markdown)
    return markdown.strip()


# Syllables are counted from hyphenation points, as textstat did before it came to need an
# online dictionary download (this site must run without one).
_HYPHENATOR = pyphen.Pyphen(lang="en_US")
_READING_WORD = re.compile("[A-Za-z]+(?:['\u2019][A-Za-z]+)*")
_SENTENCE_END = re.compile('[.!?]+(?=[\\s"\u201d\u2019)]|$)')


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of a Markdown text: the school year a reader needs to follow it."""
    plain = plain_text(text)
    words = _READING_WORD.findall(plain)
    if not words:
        return 0.0
    sentences = max(1, len(_SENTENCE_END.findall(plain)))
    syllables = sum(len(_HYPHENATOR.positions(word)) + 1 for word in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
    return round(grade, 1)


def _problem(message: str, where: str) -> dict:
    return {"level": "problem", "message": message, "where": where}


def _source_problems(source: dict) -> list[dict]:
    title, where = source.get("title") or source["key"], f"Source {source['key']}"
    problems = []
    for key, label, validator in IDENTIFIERS:
        if value := source.get(key):
            try:
                validator(str(value))
            except ValidationError:
                message = f"Source “{title}” has a malformed {label}: {value}"
                problems.append(_problem(message, where))
    found = [label for key, label in LINKS if source.get(key)]
    if source.get("mentioned_only") and found:
        message = (
            f"Source “{title}” is only mentioned in the article but has {', '.join(found)}: "
            "such sources carry no URL or identifiers"
        )
        problems.append(_problem(message, where))
    return problems


def _becomes_reference(before: dict, after: dict) -> bool:
    return not is_reference(before) and is_reference(after)


def _new_reference_warning(source: dict) -> dict:
    """Readers will see a citation where they saw a mention: the reviewer vouches for it."""
    found = [label for key, label in LINKS if source.get(key)]
    links = " and ".join([", ".join(found[:-1]), found[-1]] if len(found) > 1 else found)
    message = (
        f"Source “{source['title'] or source['key']}” was a mention and becomes a reference: "
        f"check that its {links} {'leads' if len(found) == 1 else 'lead'} to the research the "
        "article describes"
    )
    return {"level": "warning", "message": message, "where": f"Source {source['key']}"}


def checklist(snapshot: dict, published: dict | None = None) -> list[dict]:
    """What the reviewer must fix (problems) or weigh (warnings) before approving ``snapshot``.

    Problems break the editorial policy: a claim with no source that does not say so, an
    identifier readers cannot look up, or one invented for a source the article only mentions.
    A mention that becomes a reference is a warning: readers will see a citation, so the
    reviewer checks that its identifiers lead to the research the article describes. Reading
    level is a warning (some medical words have no plain substitute), and it judges only
    what an editor wrote that changed since ``published``: never the article's verbatim words.
    """
    content = upgrade_snapshot(snapshot)
    checks = []
    for number, item in enumerate(content["evidence"], start=1):
        if citation_problem(
            has_sources=bool(item["sources"]), citation_needed=item["citation_needed"]
        ):
            claim = Truncator(item["claim"]).chars(80)
            message = f"Claim {number} has no source and is not marked “citation needed”: {claim}"
            checks.append(_problem(message, f"Claim {number}"))
    for number, item in enumerate(content["evidence"], start=1):
        around = grading.paragraph_of(item["claim"], content["body"])
        for overstatement in grading.overstatements(item, around):
            message = f"Claim {number}: {overstatement}. See “How we grade evidence”."
            checks.append({"level": "warning", "message": message, "where": f"Claim {number}"})
    before = upgrade_snapshot(published or {})
    published_sources = {source["key"]: source for source in before["sources"]}
    for source in content["sources"]:
        checks += _source_problems(source)
        if (was := published_sources.get(source["key"])) and _becomes_reference(was, source):
            checks.append(_new_reference_warning(source))
    for label in ("Summary", "Body"):
        text = content[label.lower()]
        judged = text_to_judge(text, published=before[label.lower()])
        if plain_text(judged) and (grade := reading_grade(judged)) > PLAIN_LANGUAGE_GRADE:
            what = label if judged == text.strip() else f"New or changed text in {label}"
            message = f"{what} reads at grade {grade:.1f}; " + PLAIN_LANGUAGE_ADVICE
            checks.append({"level": "warning", "message": message, "where": label})
    return checks


ARTICLE_TEXT = settings.BASE_DIR / "fixtures" / "source-article.txt"


def _comparable(text: str) -> str:
    """Words only, lower case: Markdown, punctuation and spacing never hide a verbatim quote."""
    return " ".join(re.sub(r"[^\w\s]", " ", plain_text(text)).lower().split())


@functools.cache
def _article_words() -> str:
    return _comparable(ARTICLE_TEXT.read_text(encoding="utf-8")) if ARTICLE_TEXT.exists() else ""


def paragraphs(markdown: str) -> list[str]:
    """The blocks of a Markdown text, as the blank lines between them separate them."""
    return [part.strip() for part in re.split(r"\n\s*\n", markdown) if part.strip()]


def text_to_judge(text: str, *, published: str = "") -> str:
    """The paragraphs of ``text`` an editor wrote and no reviewer has judged: neither the source
    article's own words (editors keep them verbatim) nor unchanged from the published text."""
    unchanged = set(paragraphs(published))
    article = _article_words()
    return "\n\n".join(
        paragraph
        for paragraph in paragraphs(text)
        if paragraph not in unchanged and _comparable(paragraph) not in article
    )
