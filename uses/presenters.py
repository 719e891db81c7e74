"""Turn a publication's snapshot into what templates show: labels, numbered citations, and the
article's passage with each claim graded where it stands."""

import html
import re
from html.parser import HTMLParser

from django.utils.safestring import mark_safe

from uses import grading
from uses.markup import render_markdown
from uses.models import Approval, Category, Certainty, Direction, Kind, Publication, StudyDesign
from uses.models.choices import label
from uses.serializers import is_reference


def present(publication: Publication) -> dict:
    """The snapshot with display labels and, for a use, citations numbered into its source list:
    references first, then mentions, each group in the order the claims first cite them."""
    content = publication.content
    if content["kind"] != Kind.CONDITION:
        return content
    content["sources"] = sorted(content["sources"], key=lambda source: not is_reference(source))
    for number, source in enumerate(content["sources"], 1):
        source["number"] = number
        source["is_reference"] = is_reference(source)
    content["references"] = [source for source in content["sources"] if source["is_reference"]]
    content["mentions"] = [source for source in content["sources"] if not source["is_reference"]]
    numbers = {source["key"]: source["number"] for source in content["sources"]}
    sources = {source["key"]: source for source in content["sources"]}
    content["category_label"] = label(Category, content["category"])
    content["is_approved"] = content["approval"] == Approval.FDA_APPROVED
    content["label"] = grading.label_named(publication.evidence_label)
    content["evidence"] = [
        {
            **item,
            "number": number,
            "design_label": label(StudyDesign, item["design"]),
            "certainty_label": label(Certainty, item["certainty"]),
            "certainty_meaning": grading.certainty_meaning(
                design=item["design"], certainty=item["certainty"]
            ),
            "direction_label": label(Direction, item["direction"]),
            "citations": [
                {"number": numbers[key], "source": sources[key]}
                for key in item["sources"]
                if key in sources
            ],
        }
        for number, item in enumerate(content["evidence"], 1)
    ]
    content["passage"], content["unplaced_evidence"] = annotated_passage(
        content["body"], content["evidence"]
    )
    return content


class _ClaimMarker(HTMLParser):
    """Marks claims in the text of sanitised HTML and cuts it into its top-level blocks.

    Only text between tags is searched, never a tag or an attribute, and never the text of a
    link (a claim's own link may not nest in another), so whatever an editor writes the markup
    stays well formed. The HTML comes from ``render_markdown``: nh3 has closed every element.
    """

    def __init__(self, evidence: list[dict]):
        super().__init__(convert_charrefs=True)
        self.waiting = {item["number"]: _claim_pattern(item["claim"]) for item in evidence}
        self.waiting = {number: pattern for number, pattern in self.waiting.items() if pattern}
        self.blocks: list[dict] = []
        self._html: list[str] = []
        self._found: list[int] = []
        self._depth = 0
        self._links = 0

    def handle_starttag(self, tag, attrs):
        self._html.append(self.get_starttag_text())
        if tag not in VOID_ELEMENTS:
            self._depth += 1
        self._links += tag == "a"

    def handle_startendtag(self, tag, attrs):
        self._html.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self._html.append(f"</{tag}>")
        self._depth -= 1
        self._links -= tag == "a"
        if self._depth == 0:
            self.blocks.append({"html": "".join(self._html), "numbers": self._found})
            self._html, self._found = [], []

    def close(self):
        super().close()
        if "".join(self._html).strip() or self._found:
            self.blocks.append({"html": "".join(self._html), "numbers": self._found})

    def handle_data(self, data):
        while not self._links and self.waiting:
            found = [
                (match.start(), number, match)
                for number, pattern in self.waiting.items()
                if (match := pattern.search(data))
            ]
            if not found:
                break
            _, number, match = min(found)
            del self.waiting[number]
            self._found.append(number)
            self._html.append(html.escape(data[: match.start()], quote=False))
            self._html.append(
                f'<mark class="claim" id="claim-{number}">'
                f"{html.escape(match.group(), quote=False)}</mark>"
                f'<a class="claim-ref" href="#evidence-{number}">'
                f'<span class="visually-hidden">How strong is this? See </span>'
                f"evidence {number}</a>"
            )
            data = data[match.end() :]
        self._html.append(html.escape(data, quote=False))


VOID_ELEMENTS = {"br", "hr", "img", "input", "meta", "link", "source", "wbr"}


def _claim_pattern(claim: str) -> re.Pattern | None:
    """The claim's words with any spacing between them, as they may wrap in a paragraph."""
    words = claim.split()
    return re.compile(r"\s+".join(map(re.escape, words))) if words else None


def annotated_passage(body: str, evidence: list[dict]) -> tuple[list[dict], list[dict]]:
    """The article's passage block by block, each claim marked where it stands and its grade
    given after its block: every sentence appears once on the page.

    Returns the blocks (``html``, sanitised, and the ``evidence`` they make) and the claims the
    passage does not quote verbatim in its text (an editor reworded one), listed on their own.
    """
    marker = _ClaimMarker(evidence)
    marker.feed(render_markdown(body))
    marker.close()
    by_number = {item["number"]: item for item in evidence}
    passage = [
        {
            "html": mark_safe(block["html"]),
            "evidence": [by_number[number] for number in sorted(block["numbers"])],
        }
        for block in marker.blocks
    ]
    placed = {number for block in marker.blocks for number in block["numbers"]}
    return passage, [item for item in evidence if item["number"] not in placed]
