"""How we grade evidence, written once.

One scheme (GRADE's four levels of certainty, plus "not assessed"), the rules that turn the
article's words into a design, a certainty and a direction, and the plain-words label of a use.
The public page "How we grade evidence" renders these definitions; the article's fixtures are
tested against the rules; the reviewer's checklist warns when a label says more than its words.

A claim's design and direction are judged on its own sentence; its certainty also on the
paragraph around it ("the studies are so small", one sentence later, limits the studies of the
sentence before). Rules give the strongest labels the words support: an editor may always choose
a weaker one, never a stronger one.
"""

import functools
import re
from dataclasses import dataclass

from uses.addresses import address
from uses.models.choices import Approval, Certainty, Direction, StudyDesign, label, rank

SCHEME = "GRADE"
SCHEME_AUTHORS = "the GRADE Working Group"

# GRADE's definitions of its four levels, in plain words, and ours of "not assessed".
CERTAINTY_MEANINGS = {
    Certainty.HIGH: "We can be very sure that the real effect is close to what was found.",
    Certainty.MODERATE: (
        "The real effect is probably close to what was found, but it could be quite different."
    ),
    Certainty.LOW: "The real effect may be quite different from what was found.",
    Certainty.VERY_LOW: "The real effect is likely to be quite different from what was found.",
    Certainty.NOT_ASSESSED: (
        "There is nothing GRADE can rate: the article mentions no study, only doctors’ "
        "practice, or a regulator’s own decision."
    ),
}

# Why there is nothing to rate, by the kind of evidence the claim has.
NOT_ASSESSED_BECAUSE = {
    StudyDesign.REGULATORY: (
        "The approval is the regulator’s own judgement of trials the article does not "
        "describe; we do not grade them again."
    ),
    StudyDesign.CLINICAL_EXPERIENCE: (
        "Doctors using a medicine is a practice, not a result: there is nothing to rate."
    ),
    StudyDesign.NONE: "The article gives no study result for this, so there is nothing to rate.",
}


def certainty_meaning(*, design: str, certainty: str) -> str:
    """What a claim's certainty means for a reader, in plain words."""
    if certainty == Certainty.NOT_ASSESSED and design in NOT_ASSESSED_BECAUSE:
        return NOT_ASSESSED_BECAUSE[design]
    return CERTAINTY_MEANINGS.get(certainty, "")


# Phrases that report that evidence is missing or pending: they never count as evidence.
_NOT_EVIDENCE = re.compile(
    r"(?:clinical trials|trials|studies)[^.]*?\bare ongoing"
    r"|\bno\b(?:\s+[\w-]+){0,5}?\s+(?:randomi[sz]ed\s+)?(?:clinical\s+)?"
    r"(?:trials?|studies|study|research|tests)(?: have proven it effective)?"
    r"|\bnot\s+(?:been\s+)?(?:FDA-approved|approved by the FDA|randomi[sz]ed)"
    r"|\bneeds? to be further tested|\bmore research is needed"
    r"|\bbeing assessed on its effectiveness"
    r"|\bto see (?:if|whether) it (?:is effective|helps|works)",
    re.IGNORECASE,
)
# A benefit the sentence denies ("no improvement", "did not reduce pain") reports no benefit.
_DENIED_BENEFIT = re.compile(
    r"\b(?:no|not|never|cannot|unlikely to|failed to|did not|does not|didn’t|doesn’t)"
    r"(?:\s+[\w-]+){0,2}?\s+(?:benefit|improv|help|effective|reduc|reliev|eas(?:e|es)\b)\w*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    value: str
    words: str  # what the article must say, for the grading page
    pattern: re.Pattern


def _words(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


# Strongest first: the first rule whose words appear decides the best design the text supports.
DESIGN_RULES = [
    Rule(StudyDesign.REGULATORY, "the use is “FDA-approved”", _words(r"\bFDA-approved\b")),
    Rule(
        StudyDesign.SYSTEMATIC_REVIEW,
        "a “systematic review” or “meta-analysis”",
        _words(r"systematic review|meta-analys[ie]s"),
    ),
    Rule(StudyDesign.RANDOMISED, "“randomized” studies or trials", _words(r"\brandomi[sz]ed\b")),
    Rule(
        StudyDesign.OBSERVATIONAL,
        "an “observational”, “cohort” or “case-control” study",
        _words(r"\bobservational\b|\bcohort\b|\bcase-control\b"),
    ),
    Rule(
        StudyDesign.CASE_REPORTS,
        "“case studies” or “case reports”",
        _words(r"\bcase (?:studies|study|reports?|series)\b"),
    ),
    Rule(
        StudyDesign.STUDIES_MENTIONED,
        "“studies”, “research”, “clinical tests” or “tested”, or that something “has been "
        "shown” or “found”, without saying what kind of study",
        _words(r"\b(?:studies|study|research|clinical tests|tested|trials?|shown|found)\b"),
    ),
    Rule(
        StudyDesign.CLINICAL_EXPERIENCE,
        "a doctor “observed” something, or doctors use it (“doctors still use it”, "
        "“is sometimes used”)",
        _words(r"\bobserved\b|\bdoctors?\b[^.]*\b(?:use|using|stick)\b|\bis sometimes used\b"),
    ),
    Rule(StudyDesign.NONE, "none of these", _words(r"")),
]

# Words by which the article itself limits the studies it mentions: GRADE's imprecision.
_LIMITED = _words(
    r"\blimited\b|\bsmall\b|\bfew\b|short-term|not conclusive|cannot be said"
    r"|more research is needed|only been tested"
)
_OBSERVED = _words(r"\bobserved\b")

CERTAINTY_RULES = [
    (StudyDesign.REGULATORY, "Not assessed: approval is the regulator’s own judgement of "
     "trials the article does not describe; we do not grade them again."),
    (StudyDesign.SYSTEMATIC_REVIEW, "Start at high, as GRADE does for randomised trials; down "
     "one level because the article gives nothing to judge their risk of bias by; down one more "
     "if the article calls them few, small, limited, short-term or not conclusive."),
    (StudyDesign.RANDOMISED, "As for a systematic review: a “few small, randomized studies” "
     "are low."),
    (StudyDesign.OBSERVATIONAL, "Start at low, as GRADE does; very low if the article calls "
     "the studies few, small, limited, short-term or not conclusive."),
    (StudyDesign.CASE_REPORTS, "Very low: GRADE rates unsystematic clinical observations as "
     "very low."),
    (StudyDesign.STUDIES_MENTIONED, "At most low, because we cannot assume a trial; very low if "
     "the article calls the studies few, small, limited, short-term or not conclusive, or says "
     "more research is needed."),
    (StudyDesign.CLINICAL_EXPERIENCE, "Very low for a doctor’s observation of an effect; not "
     "assessed when the article only says doctors use it, since practice is not a result."),
    (StudyDesign.NONE, "Not assessed."),
]  # fmt: skip

DIRECTION_RULES = [
    (Direction.BENEFIT, "the sentence says it worked or helps: “positive impact” or “results”, "
     "“effective”, “benefits”, “improve”, “remission”, “slow down”, “reverse”, “ease”, "
     "“help”, “reduce”, “relieve”, “promising”, “a more comfortable life”, “address … well”; "
     "never when the sentence denies it (“no improvement”, “did not reduce”).",
     _words(r"positive (?:impact|results)|\beffective\b|\bbenefit|\bimprov|\bremission\b"
            r"|\brevers(?:e|es|ed)\b|\bslow\w* down\b|\bhelp(?:s|ed)?\b|\beas(?:e|es|ed)\b"
            r"|\breduc(?:e|es|ed)\b|\brelie(?:ve|ves|ved)\b|\baddress\w*\b[^.]*\bwell\b"
            r"|\bcomfortable\b|\bpromising\b")),
    (Direction.HARM, "the sentence warns of harm: “cause depression”, “amplify” symptoms, "
     "“worse”, a “risk”, or a precaution needed to use it “safely”.",
     _words(r"\bcause depression\b|\bamplify\b|\bsafely\b|\bharm|\bworse|\brisk")),
    (Direction.NO_BENEFIT, "the sentence says it does not work: “does not affect”, “does not "
     "cure”, “does not eliminate”, “no improvement”, “did not reduce”.",
     _words(r"\bdoes not (?:affect|cure|eliminate)\b|\bnot effective\b|\bno effect\b")),
]  # fmt: skip
MIXED_RULE = (
    "the same sentence reports a benefit and either harm or no benefit (“it can ease symptoms "
    "in some, it can amplify them in others”)."
)
UNCLEAR_RULE = (
    "always allowed: the sentence reports no result, only that studies are ongoing, that it is "
    "used, or how it works."
)


@dataclass(frozen=True)
class Supported:
    """The strongest labels the words support."""

    design: str
    certainty: str  # for the design the claim is labelled with, see certainty_for()
    directions: frozenset[str]


def evidence_words(text: str) -> str:
    """``text`` without the phrases that report missing or pending evidence."""
    return _NOT_EVIDENCE.sub(" ", text)


def design_for(context: str) -> str:
    """The best design the words state (NONE when they state none)."""
    words = evidence_words(context)
    return next(rule.value for rule in DESIGN_RULES if rule.pattern.search(words))


def certainty_for(design: str, context: str) -> str:
    """The certainty GRADE allows for ``design`` as the article describes it."""
    limited = bool(_LIMITED.search(context))
    if design in (StudyDesign.SYSTEMATIC_REVIEW, StudyDesign.RANDOMISED):
        return Certainty.LOW if limited else Certainty.MODERATE
    if design in (StudyDesign.OBSERVATIONAL, StudyDesign.STUDIES_MENTIONED):
        return Certainty.VERY_LOW if limited else Certainty.LOW
    if design == StudyDesign.CASE_REPORTS:
        return Certainty.VERY_LOW
    if design == StudyDesign.CLINICAL_EXPERIENCE and _OBSERVED.search(context):
        return Certainty.VERY_LOW
    return Certainty.NOT_ASSESSED


def directions_for(sentence: str) -> frozenset[str]:
    """Every direction the claim's own sentence supports ("unclear" always is)."""
    words = evidence_words(sentence)
    denied = _DENIED_BENEFIT.sub(" ", words)
    found = {direction for direction, _, pattern in DIRECTION_RULES if pattern.search(denied)}
    if denied != words:
        found.add(Direction.NO_BENEFIT)
    if Direction.BENEFIT in found and found & {Direction.HARM, Direction.NO_BENEFIT}:
        found.add(Direction.MIXED)
    return frozenset(found | {Direction.UNCLEAR})


def supported(item: dict, context: str = "") -> dict:
    """``item`` with each label lowered, where it must be, to what its words support.

    ``item`` is an evidence item of a snapshot; ``context`` its paragraph, read only for how the
    article limits the studies ("the studies are so small"). The design and the direction come
    from the sentence alone. A weaker design than the words state is kept, but never raises the
    certainty the words allow.
    """
    design, certainty, direction = _supported(
        item["claim"], item["design"], item["certainty"], item["direction"], context
    )
    return {**item, "design": design, "certainty": certainty, "direction": direction}


@functools.lru_cache(maxsize=4096)
def _supported(claim: str, design: str, certainty: str, direction: str, context: str) -> tuple:
    # Pure and called for every claim at every approval (and thousands of times when a big
    # catalogue is built for measuring): the same words get the same grades.
    text = f"{claim} {context}"
    stated = design_for(claim)
    if design not in StudyDesign.values or rank(StudyDesign, design) < rank(StudyDesign, stated):
        design = stated
    allowed = max(certainty_for(design, text), certainty_for(stated, text), key=_certainty_rank)
    if certainty not in Certainty.values or _certainty_rank(certainty) < _certainty_rank(allowed):
        certainty = allowed
    if direction not in directions_for(claim):
        direction = Direction.UNCLEAR
    return design, certainty, direction


def overstatements(item: dict, context: str = "") -> list[str]:
    """How a claim's labels say more than its words support (see ``supported``); an empty list
    means the labels are honest."""
    honest = supported(item, context)
    problems = []
    if honest["design"] != item["design"]:
        problems.append(
            f"the design “{label(StudyDesign, item['design'])}” is stronger than the words, "
            f"which support “{StudyDesign(honest['design']).label}”"
        )
    elif honest["certainty"] != item["certainty"]:
        problems.append(
            f"the certainty “{label(Certainty, item['certainty'])}” is stronger than "
            f"GRADE allows for “{StudyDesign(item['design']).label}” as the article "
            f"describes it (“{Certainty(honest['certainty']).label}”)"
        )
    if honest["direction"] != item["direction"]:
        problems.append(
            f"the sentence does not report “{label(Direction, item['direction']).lower()}”"
        )
    return problems


def _certainty_rank(value: str) -> int:
    return rank(Certainty, value)


@functools.lru_cache(maxsize=4096)
def paragraph_of(claim: str, text: str) -> str:
    """The paragraph of ``text`` (Markdown or plain) that quotes ``claim``, spacing and emphasis
    aside; "" when none does."""
    wanted = _squash(claim)
    for paragraph in re.split(r"\n\s*\n", text):
        if wanted and wanted in (flat := _squash(paragraph)):
            return flat
    return ""


def _squash(text: str) -> str:
    return " ".join(re.sub(r"[*_`]+", "", text).split())


@dataclass(frozen=True)
class UseLabel:
    """The plain-words label of a use, its colour family and what it means."""

    text: str
    tone: str  # approved, benefit, uncertain, harm, none: each with its own style and text
    meaning: str

    @functools.cached_property
    def anchor(self) -> str:
        return "label-" + re.sub(r"[^a-z]+", "-", self.text.lower()).strip("-")

    @property
    def explained_at(self) -> str:
        """The address of this label's explanation on the grading page."""
        return f"{address('uses:grading')}#{self.anchor}"


FDA_APPROVED = UseLabel(
    "FDA-approved",
    "approved",
    "The U.S. Food and Drug Administration approved naltrexone for this use.",
)
HARM = UseLabel("May cause harm", "harm", "The article reports that it could make things worse.")
MIXED = UseLabel(
    "Mixed reports",
    "uncertain",
    "The article reports that it helps in some ways or some people, and does not help, or "
    "makes things worse, in others.",
)
SHOWN = UseLabel("Shown to help", "benefit", "Evidence of high certainty reports a benefit.")
PROBABLY = UseLabel(
    "Probably helps", "benefit", "Evidence of moderate certainty reports a benefit."
)
MAY_HELP = UseLabel(
    "May help (low certainty)",
    "benefit",
    "Evidence of low certainty reports a benefit: the real effect may be quite different.",
)
CASE_REPORTS = UseLabel(
    "Case reports only",
    "uncertain",
    "Only reports of individual patients describe a benefit; the article mentions no trial.",
)
OBSERVATIONS = UseLabel(
    "Doctors’ observations only",
    "uncertain",
    "A doctor noticed an effect in patients; the article mentions no study of it.",
)
LIMITED = UseLabel(
    "Limited evidence of benefit",
    "uncertain",
    "The article mentions research that reports a benefit, but it does not say what kind, and "
    "calls it limited, small or short-term, or says more is needed: the real effect is likely "
    "to be quite different.",
)
PROBABLY_NOT = UseLabel(
    "Probably does not help",
    "uncertain",
    "Evidence of moderate or high certainty finds no benefit.",
)
MAY_NOT = UseLabel("May not help", "uncertain", "Uncertain evidence finds no benefit.")
UNCLEAR = UseLabel(
    "Unclear evidence", "uncertain", "Studies are mentioned, but the article reports no result."
)
IN_USE = UseLabel(
    "In use, no study results mentioned",
    "none",
    "The article says doctors use it for this, but gives no study result for this use.",
)
NO_STUDIES = UseLabel(
    "No study results mentioned",
    "none",
    "The article gives no study result for this use (at most, that studies are under way), so "
    "there is nothing to grade.",
)
NO_EVIDENCE = UseLabel("No evidence recorded", "none", "No claim about this use is recorded.")

USE_LABELS = [
    FDA_APPROVED, SHOWN, PROBABLY, MAY_HELP, LIMITED, CASE_REPORTS, OBSERVATIONS, MIXED,
    UNCLEAR, PROBABLY_NOT, MAY_NOT, HARM, IN_USE, NO_STUDIES, NO_EVIDENCE,
]  # fmt: skip
LABELS_BY_TEXT = {label.text: label for label in USE_LABELS}


def best_evidence(evidence: list[dict]) -> dict | None:
    """The most certain evidence item; between equals, the one from the stronger design, and
    between those the more cautious result (harm, then mixed, then no benefit, then benefit; a
    sentence that reports no result comes last), so the order of the claims never decides."""
    if not evidence:
        return None
    return min(
        evidence,
        key=lambda item: (
            rank(Certainty, item["certainty"]),
            rank(StudyDesign, item["design"]),
            _CAUTION.index(item["direction"]) if item["direction"] in _CAUTION else len(_CAUTION),
        ),
    )


_CAUTION = [
    Direction.HARM, Direction.MIXED, Direction.NO_BENEFIT, Direction.BENEFIT, Direction.UNCLEAR
]  # fmt: skip


def use_label(*, approval: str, evidence: list[dict], body: str = "") -> UseLabel:
    """The public label of a use: its approval, or what its best evidence supports, in words.

    Each claim counts only as strongly as its words (and ``body``, the use's passage, around it)
    allow, whatever it is labelled: no label of a use is stronger than the article.
    """
    if approval == Approval.FDA_APPROVED:
        return FDA_APPROVED
    return label_of(honest_best(evidence, body))


def honest_best(evidence: list[dict], body: str = "") -> dict | None:
    """The best evidence once each claim is capped at what its words (in ``body``) support."""
    return best_evidence([supported(item, paragraph_of(item["claim"], body)) for item in evidence])


def label_of(best: dict | None) -> UseLabel:
    """The label of an off-label use whose best evidence is ``best`` (None: it has none)."""
    if best is None:
        return NO_EVIDENCE
    design, certainty, direction = best["design"], best["certainty"], best["direction"]
    if direction == Direction.HARM:
        return HARM
    if direction == Direction.MIXED:
        return MIXED
    if certainty == Certainty.NOT_ASSESSED:
        return IN_USE if design == StudyDesign.CLINICAL_EXPERIENCE else NO_STUDIES
    if direction == Direction.NO_BENEFIT:
        return PROBABLY_NOT if certainty in (Certainty.HIGH, Certainty.MODERATE) else MAY_NOT
    if direction != Direction.BENEFIT:
        return UNCLEAR
    if certainty == Certainty.VERY_LOW:
        return {
            StudyDesign.CASE_REPORTS: CASE_REPORTS,
            StudyDesign.CLINICAL_EXPERIENCE: OBSERVATIONS,
        }.get(design, LIMITED)
    return {Certainty.HIGH: SHOWN, Certainty.MODERATE: PROBABLY}.get(certainty, MAY_HELP)


def label_named(text: str) -> UseLabel:
    """The label stored on a publication; a label retired since shows as it was, uncoloured."""
    return LABELS_BY_TEXT.get(text) or UseLabel(text, "none", "")
