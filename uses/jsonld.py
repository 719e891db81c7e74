"""schema.org structured data for public pages, built from publications only."""

from uses.addresses import address
from uses.models import Kind, Publication
from uses.serializers import is_reference

CONTEXT = "https://schema.org"
DRUG = {
    "@type": "Drug",
    "name": "Naltrexone",
    "alternateName": ["Vivitrol", "Low-dose naltrexone (LDN)"],
}


def absolute(site_url: str, path: str) -> str:
    return f"{site_url}{path}"


def person(site_url: str, data: dict | None) -> dict | None:
    """A schema.org Person from a snapshot's author or from a Person row."""
    if not data:
        return None
    return {
        "@type": "Person",
        "name": data["name"],
        "honorificSuffix": data["credentials"] or None,
        "url": absolute(site_url, address("uses:person-detail", data["slug"])),
    }


def citation(source: dict) -> dict:
    """A reference (see serializers.is_reference) as a schema.org CreativeWork."""
    work = {"@type": "CreativeWork", "name": source["title"]}
    if source["authors"]:
        work["author"] = source["authors"]
    if source["publisher"]:
        work["publisher"] = {"@type": "Organization", "name": source["publisher"]}
    if source["year"]:
        work["datePublished"] = str(source["year"])
    if source["url"]:
        work["url"] = source["url"]
    identifiers = [
        {"@type": "PropertyValue", "propertyID": name, "value": source[key]}
        for key, name in (("doi", "DOI"), ("pmid", "PMID"), ("trial_id", "Trial ID"))
        if source[key]
    ]
    if identifiers:
        work["identifier"] = identifiers
    return work


def medical_web_page(site_url: str, publication: Publication, content: dict) -> dict:
    """MedicalWebPage of one published entry, with who wrote and reviewed it and when."""
    if content["kind"] == Kind.CONDITION:
        about = {
            "@type": "MedicalCondition",
            "name": content["title"],
            "possibleTreatment": {"@type": "Drug", "name": "Naltrexone"},
        }
    else:
        about = DRUG
    reviewer = publication.reviewer
    data = {
        "@context": CONTEXT,
        "@type": "MedicalWebPage",
        "url": absolute(site_url, publication.get_absolute_url()),
        "name": content["title"],
        "description": content["summary"],
        "inLanguage": "en",
        "datePublished": publication.first_published_on.isoformat(),
        "dateModified": publication.content_published_at.date().isoformat(),
        "lastReviewed": publication.reviewed_on.isoformat(),
        "reviewedBy": person(
            site_url,
            {"name": reviewer.name, "credentials": reviewer.credentials, "slug": reviewer.slug},
        ),
        "author": person(site_url, content["author"]),
        "about": about,
    }
    if content["kind"] == Kind.CONDITION:
        # Only references are citations: a mention names no work that could be cited.
        data["citation"] = [
            citation(source) for source in content["sources"] if is_reference(source)
        ] or None
    if content["kind"] == Kind.OVERVIEW:
        data["mainEntity"] = DRUG
    return {key: value for key, value in data.items() if value is not None}


def collection_page(site_url: str, *, name: str, path: str, items) -> dict:
    """A page that lists published entries."""
    items = list(items)
    modified = max((item.content_published_at for item in items), default=None)
    data = {
        "@context": CONTEXT,
        "@type": "MedicalWebPage",
        "url": absolute(site_url, path),
        "name": name,
        "inLanguage": "en",
        "about": DRUG,
        "hasPart": [
            {
                "@type": "MedicalWebPage",
                "name": item.title,
                "url": absolute(site_url, item.get_absolute_url()),
            }
            for item in items
        ],
    }
    if modified:
        data["dateModified"] = modified.date().isoformat()
        data["lastReviewed"] = max(item.reviewed_on for item in items).isoformat()
    return data


def web_page(site_url: str, *, name: str, path: str, page_type: str = "WebPage") -> dict:
    return {
        "@context": CONTEXT,
        "@type": page_type,
        "url": absolute(site_url, path),
        "name": name,
        "inLanguage": "en",
    }
