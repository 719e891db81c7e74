"""The vocabularies of the domain, in the article's terms. Shared by models, filters and imports."""

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
    """Best study design behind a claim, strongest first."""

    REGULATORY = "regulatory", "Regulatory approval"
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    RANDOMISED = "randomised", "Randomised trial"
    OBSERVATIONAL = "observational", "Non-randomised or observational study"
    CASE_REPORTS = "case_reports", "Case reports"
    CLINICAL_EXPERIENCE = "clinical_experience", "Clinical experience or opinion"
    NONE = "none", "No study cited"


class Certainty(models.TextChoices):
    """GRADE certainty of the evidence, strongest first."""

    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    INSUFFICIENT = "insufficient", "Insufficient"


class Direction(models.TextChoices):
    BENEFIT = "benefit", "Benefit"
    NO_BENEFIT = "no_benefit", "No benefit"
    MIXED = "mixed", "Mixed"
    HARM = "harm", "Harm"
    UNCLEAR = "unclear", "Unclear"


class SourceKind(models.TextChoices):
    REGULATORY = "regulatory", "Regulatory decision"
    STUDY = "study", "Study or studies"
    REVIEW = "review", "Review article"
    TRIAL_REGISTRATION = "trial", "Trial registration"
    CASE_REPORT = "case_report", "Case report"
    OBSERVATION = "observation", "Clinical observation"
    WEBSITE = "website", "Web page"
    OTHER = "other", "Other"


def rank(choices: type[models.TextChoices], value: str) -> int:
    """Position of ``value`` in ``choices``: 0 is the strongest design or certainty."""
    return choices.values.index(value)
