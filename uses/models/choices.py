"""The vocabularies of the domain, in the article's terms. Shared by models, filters and imports.

How a claim's words decide its design, certainty and direction is written once, in
``uses.grading``, and published on the "How we grade evidence" page.
"""

import functools

from django.db import models


class Category(models.TextChoices):
    ADDICTION = "addiction", "Addiction"
    PAIN = "pain", "Pain"
    AUTOIMMUNE = "autoimmune", "Autoimmune and inflammatory"
    NEUROLOGICAL = "neurological", "Neurological"
    PSYCHIATRIC = "psychiatric", "Psychiatric"
    DIGESTIVE = "digestive", "Digestive"
    CANCER = "cancer", "Cancer"
    INFECTIOUS = "infectious", "Infectious"
    OTHER = "other", "Other"


class Approval(models.TextChoices):
    FDA_APPROVED = "fda_approved", "FDA-approved"
    OFF_LABEL = "off_label", "Off-label"


class Regimen(models.TextChoices):
    STANDARD = "standard", "Standard dose"
    LOW_DOSE = "low_dose", "Low-dose naltrexone (LDN)"


class StudyDesign(models.TextChoices):
    """The best evidence behind a claim, as the article states it, strongest first."""

    REGULATORY = "regulatory", "Regulatory approval"
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    RANDOMISED = "randomised", "Randomised trial"
    OBSERVATIONAL = "observational", "Non-randomised or observational study"
    CASE_REPORTS = "case_reports", "Case reports"
    STUDIES_MENTIONED = "studies_mentioned", "Studies mentioned, design not stated"
    CLINICAL_EXPERIENCE = "clinical_experience", "Doctors’ observations or practice"
    NONE = "none", "No study results mentioned"


class Certainty(models.TextChoices):
    """GRADE's four levels of certainty, strongest first, and "not assessed" where GRADE has
    nothing to rate (no study, only doctors' practice, or a regulator's own decision)."""

    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class Direction(models.TextChoices):
    """What the claim's own sentence reports, never more."""

    BENEFIT = "benefit", "Reports a benefit"
    NO_BENEFIT = "no_benefit", "Reports no benefit"
    MIXED = "mixed", "Mixed: helps in some ways, not in others or worse"
    HARM = "harm", "Reports possible harm"
    UNCLEAR = "unclear", "No result reported"


class SourceKind(models.TextChoices):
    REGULATORY = "regulatory", "Regulatory decision"
    STUDY = "study", "Study or studies"
    REVIEW = "review", "Review article"
    TRIAL_REGISTRATION = "trial", "Trial registration"
    CASE_REPORT = "case_report", "Case report"
    OBSERVATION = "observation", "Clinical observation"
    WEBSITE = "website", "Web page"
    OTHER = "other", "Other"


# Values of earlier vocabularies, and what they are called now (one to one: nothing is lost).
RENAMED_CERTAINTIES = {"insufficient": Certainty.NOT_ASSESSED}


def label(choices: type[models.TextChoices], value: str) -> str:
    """The human label of a stored value; unknown values from older snapshots show as they are."""
    labels = _labels(choices)
    return labels[value] if value in labels else value.replace("_", " ").capitalize()


def rank(choices: type[models.TextChoices], value: str) -> int:
    """Position of ``value`` in ``choices``: 0 is the strongest design or certainty."""
    try:
        return _positions(choices)[value]
    except KeyError:
        raise ValueError(f"{value!r} is not one of {choices.__name__}'s values") from None


@functools.cache
def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    # ``choices.choices`` builds a new list on every call; a use page labels a dozen values.
    return dict(choices.choices)


@functools.cache
def _positions(choices: type[models.TextChoices]) -> dict[str, int]:
    # ``choices.values`` builds a new list on every call; grading ranks thousands of items.
    return {value: position for position, value in enumerate(choices.values)}
