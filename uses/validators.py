"""Format checks shared by models, forms, imports and the workflow: one regex each."""

from django.core.validators import RegexValidator

DOI_RE = r"^10\.\d{4,9}/[^\s]+$"
PMID_RE = r"^[1-9]\d{0,8}$"
# ClinicalTrials.gov, ISRCTN, EU (EudraCT and CTIS), Australian/New Zealand and WHO ICTRP ids.
TRIAL_ID_RE = (
    r"^(NCT\d{8}|ISRCTN\d{8}|\d{4}-\d{6}-\d{2}(-\d{2})?|ACTRN\d{14}|ChiCTR[-\w]{6,20}"
    r"|DRKS\d{8}|CTRI/\d{4}/\d{2,3}/\d{6})$"
)

validate_doi = RegexValidator(
    DOI_RE,
    message="Enter a DOI such as 10.1000/xyz123 (without https://doi.org/).",
    code="invalid_doi",
)
validate_pmid = RegexValidator(
    PMID_RE, message="Enter a PubMed ID: digits only, such as 31234567.", code="invalid_pmid"
)
validate_trial_id = RegexValidator(
    TRIAL_ID_RE,
    message="Enter a trial registry id such as NCT01234567 or ISRCTN12345678.",
    code="invalid_trial_id",
)

# Control characters (C0, DEL and C1). A line break in a one-line field would break an email
# header or a feed title; a NUL cannot even be stored by PostgreSQL.
SINGLE_LINE_MESSAGE = (
    "Remove the line break or control character: this field is one line of plain text."
)
TEXT_MESSAGE = "Remove the control character (such as NUL): only line breaks and tabs are allowed."

validate_single_line = RegexValidator(
    r"[\x00-\x1f\x7f-\x9f]",
    message=SINGLE_LINE_MESSAGE,
    code="control_character",
    inverse_match=True,
)
validate_text = RegexValidator(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]",
    message=TEXT_MESSAGE,
    code="control_character",
    inverse_match=True,
)
