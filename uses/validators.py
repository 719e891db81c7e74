"""Format checks for citation identifiers: one regex each, shared by models and imports."""

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
