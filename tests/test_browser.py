"""What only a browser proves: the admin review flow end to end, keyboard reachability, that
pages fit a phone's width and a reader's scan, and that the admin passes axe's accessibility
checks (axe-core, vendored in tests/assets/axe-core/).

Playwright drives Debian's Chromium at /usr/bin/chromium; it never downloads a browser.
"""

import os
import re
from pathlib import Path

import pytest

from tests import factories
from tests.worker import run_queued_tasks

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own background traffic is refused on this closed network; keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
    # Skipped on a machine without Chromium, but never in CI: there a missing browser is a
    # failure (the fixture says why), not a quietly shorter run.
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("CI") != "true",
        reason="needs Debian's chromium (.ci/run installs it)",
    ),
]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous and safe.
    if not CHROMIUM.exists():
        pytest.fail(f"CI=true and no browser at {CHROMIUM}: .ci/run installs Debian's chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def new_page(browser):
    contexts, violations = [], []

    def open_page(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert violations == [], f"the strict CSP blocked something the pages need: {violations}"


def log_in(page, base_url, username):
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/admin/")


def test_an_edit_is_saved_and_submitted_in_one_step_and_a_second_reviewer_approves(
    live_server, new_page
):
    from uses.models import Submission

    reviewer_person = factories.make_person(name="Article Reviewer", credentials="APRN")
    condition, _ = factories.make_published_condition(
        name="Fibromyalgia", slug="fibromyalgia", reviewer=reviewer_person
    )
    factories.make_user("Editors", "Medical reviewers", username="bo", person=True)
    factories.make_user("Medical reviewers", username="mara", person=True)
    public_url = f"{live_server.url}/uses/fibromyalgia/"

    # Bo, an editor who is also a reviewer, changes the summary and, without saving first,
    # presses "Save and submit for review" with a private note and a public line.
    editor = new_page()
    log_in(editor, live_server.url, "bo")
    editor.goto(f"{live_server.url}/admin/uses/condition/{condition.pk}/change/")
    editor.get_by_label("Summary:").fill("Stanford studies found benefit for pain and fatigue.")
    editor.get_by_label("Note to the reviewer (private)").fill("PRIVATE: from a press release")
    editor.get_by_label("What changed (public)").fill("Summarised the Stanford findings.")
    editor.get_by_role("button", name="Save and submit for review").click()
    editor.wait_for_selector("text=was saved and submitted for review")
    assert editor.get_by_text("In review").first.is_visible()
    submission = Submission.objects.get()
    assert submission.snapshot["summary"] == "Stanford studies found benefit for pain and fatigue."

    # Bo may not approve their own change.
    editor.goto(f"{live_server.url}/admin/uses/submission/{submission.pk}/review/")
    assert editor.get_by_text("You cannot approve this.").is_visible()
    assert editor.get_by_role("button", name="Approve and publish").is_disabled()

    # The public page has not changed.
    reader = new_page()
    reader.goto(public_url)
    assert "Stanford studies found benefit" not in reader.content()

    # A second medical reviewer finds it in the queue, reads the diff and the preview, rewords
    # the public line and approves.
    reviewer = new_page()
    log_in(reviewer, live_server.url, "mara")
    reviewer.get_by_role("link", name=re.compile("1 submission waiting for review")).click()
    reviewer.get_by_role("link", name="Fibromyalgia").click()
    reviewer.wait_for_selector("text=Changes against the published version")
    assert reviewer.locator(".review-diff ins").first.is_visible()
    assert reviewer.get_by_text("PRIVATE: from a press release").is_visible()
    preview = reviewer.frame_locator("iframe.preview-frame")
    assert preview.get_by_text("Preview, not published").is_visible()
    reviewer.get_by_label("What changed, for readers").fill("Summarised the Stanford study.")
    reviewer.get_by_role("button", name="Approve and publish").click()
    reviewer.wait_for_selector("text=Approved.")

    # The public page shows the change, who reviewed it and the public line; never the note.
    # (A browser may keep a public page for a minute, as Cache-Control allows: a reload asks the
    # server, which answers with the new version at once.)
    reader.reload()
    html = reader.content()
    assert "Stanford studies found benefit for pain and fatigue." in html
    assert "Dr Mara, MD" in reader.locator(".byline").inner_text()
    assert "Summarised the Stanford study." in reader.locator(".review-history").inner_text()
    assert "PRIVATE" not in html


def test_public_pages_are_keyboard_reachable(live_server, new_page):
    factories.make_published_condition(name="Lupus", slug="lupus")
    page = new_page()
    page.goto(f"{live_server.url}/uses/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    focused = set()
    for _ in range(15):
        page.keyboard.press("Tab")
        focused.add(
            page.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
    assert "id_q" in focused and "Show uses" in focused and "Lupus" in focused


IMPORT_CSV = (
    "key,condition,claim,design,certainty,direction,sources,citation_needed\n"
    "lupus-import-1,lupus,Limited studies found it can reverse the disease.,observational,"
    "low,benefit,lupus-trials,\n"
)


def upload_for_import(page, url: str) -> None:
    page.goto(f"{url}/admin/uses/evidence/import/")
    page.get_by_label("File to import").set_input_files(
        {"name": "evidence.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}
    )
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Waiting for a worker").wait_for()


def worker_done(page, selector: str) -> None:
    """Let a worker run what is queued, and the page, which follows the work by itself (no
    script), show ``selector``."""
    run_queued_tasks()
    page.locator(selector).wait_for(timeout=10_000)


def test_editor_imports_a_csv_in_the_background_and_submits_for_review(live_server, new_page):
    from uses.models import Evidence, Submission

    condition = factories.make_condition(name="Lupus", slug="lupus")
    factories.make_source(key="lupus-trials", title="Lupus trials")
    factories.make_user("Editors", username="edna")

    page = new_page()
    log_in(page, live_server.url, "edna")
    page.goto(f"{live_server.url}/admin/uses/evidence/")
    page.get_by_role("link", name="Import").click()
    upload_for_import(page, live_server.url)
    worker_done(page, "table.import-preview")
    preview = page.locator("table.import-preview")
    assert "New" in preview.inner_text()
    assert "Limited studies found it can reverse the disease." in preview.inner_text()
    assert not Evidence.objects.exists()  # the preview writes nothing

    page.get_by_role("button", name="Confirm import").click()
    worker_done(page, "text=Imported: 1 new")
    assert Evidence.objects.get().condition == condition
    page.get_by_role("link", name="Submit the 1 changed entry for review").click()
    page.wait_for_selector("text=Submit the imported changes for review")
    page.get_by_label("Note to the reviewer (optional)").fill("Claims from the 2026 spreadsheet")
    page.get_by_role("button", name="Submit all 1 for review").click()
    page.wait_for_selector("text=submitted for review")
    assert Submission.objects.get().note == "Claims from the 2026 spreadsheet"


def test_sent_back_resubmitted_and_approved_by_a_second_reviewer(live_server, new_page):
    from uses.models import Submission

    condition, _ = factories.make_published_condition(
        name="Lupus", slug="lupus", summary="Low-dose naltrexone may help lupus."
    )
    factories.make_user("Editors", username="edna")
    factories.make_user("Medical reviewers", username="mara", person=True)
    factories.make_user("Medical reviewers", username="milo", person=True)
    change_url = f"{live_server.url}/admin/uses/condition/{condition.pk}/change/"

    # The editor submits a change.
    editor = new_page()
    log_in(editor, live_server.url, "edna")
    editor.goto(change_url)
    editor.get_by_label("Summary:").fill("Take 4.5 mg daily for lupus.")
    editor.get_by_role("button", name="Save and submit for review").click()
    editor.wait_for_selector("text=was saved and submitted for review")

    # The first reviewer reads it and sends it back with a comment.
    mara = new_page()
    log_in(mara, live_server.url, "mara")
    mara.get_by_role("link", name="Lupus").first.click()
    mara.wait_for_selector("text=Changes against the published version")
    mara.get_by_label("What needs to change (required, private)").fill("Say who found this.")
    mara.get_by_role("button", name="Request changes").click()
    mara.wait_for_selector("text=Changes requested.")

    # The editor's inbox shows what was asked, with the comment; they change and resubmit.
    editor.goto(f"{live_server.url}/admin/")
    requested = editor.get_by_role("region", name=re.compile("Changes requested of you"))
    assert "Lupus" in requested.inner_text()
    assert "Say who found this." in requested.inner_text()
    editor.goto(change_url)
    editor.get_by_label("Summary:").fill("The article says some take 3 mg daily for lupus.")
    editor.get_by_role("button", name="Save and submit for review").click()
    editor.wait_for_selector("text=was saved and submitted for review")
    resubmission = Submission.objects.pending().get()

    # The first reviewer sees what changed since the version they sent back.
    mara.goto(f"{live_server.url}/admin/uses/submission/{resubmission.pk}/review/")
    since = mara.locator("section.review-diff-since-seen")
    assert "Changes since the version you last saw" in since.inner_text()
    assert since.locator("del", has_text="4.5").is_visible()
    assert since.locator("ins", has_text="3").is_visible()

    # A second reviewer approves it.
    milo = new_page()
    log_in(milo, live_server.url, "milo")
    milo.goto(f"{live_server.url}/admin/uses/submission/{resubmission.pk}/review/")
    milo.get_by_role("button", name="Approve and publish").click()
    milo.wait_for_selector("text=Approved.")
    reader = new_page()
    reader.goto(f"{live_server.url}/uses/lupus/")
    assert "The article says some take 3 mg daily for lupus." in reader.content()
    assert "Dr Milo, MD" in reader.locator(".byline").inner_text()


def test_key_changelists_fit_1280_px_without_scrolling_sideways(live_server, browser):
    from uses import review

    reviewer = factories.make_person()
    editor = factories.make_user("Editors", username="edna")
    for number in range(3):
        condition, _ = factories.make_published_condition(
            name=f"Chronic fatigue syndrome {number}", reviewer=reviewer, evidence=2
        )
        review.submit(entry=condition, user=editor, note="A long note to the reviewer " * 5)
    factories.make_user("Editors", "Medical reviewers", username="bo", person=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "bo")
    for path in ["condition/", "evidence/", "submission/?status=all", "publication/"]:
        page.goto(f"{live_server.url}/admin/uses/{path}")
        results = page.locator("#changelist .results")
        sizes = results.evaluate("element => [element.scrollWidth, element.clientWidth]")
        assert sizes[0] <= sizes[1], (path, sizes)
    context.close()


# The article's shape: its uses by category and approval, and an introduction of its length.
ARTICLE_USES = [
    ("Alcohol dependence", "addiction", "fda_approved"),
    ("Opioid addiction", "addiction", "fda_approved"),
    ("Pain disorders", "pain", "off_label"),
    ("Fibromyalgia", "pain", "off_label"),
    ("Chronic pain", "pain", "off_label"),
    ("Nerve pain (peripheral neuropathy)", "pain", "off_label"),
    ("Rheumatoid arthritis", "autoimmune", "off_label"),
    ("Other forms of arthritis", "autoimmune", "off_label"),
    ("Autoimmune diseases", "autoimmune", "off_label"),
    ("Hashimoto's disease", "autoimmune", "off_label"),
    ("Lupus", "autoimmune", "off_label"),
    ("Multiple sclerosis", "neurological", "off_label"),
    ("Parkinson's disease", "neurological", "off_label"),
    ("Depression", "psychiatric", "off_label"),
    ("Anxiety", "psychiatric", "off_label"),
    ("Bipolar disorder", "psychiatric", "off_label"),
    ("Obsessive-compulsive disorder (OCD)", "psychiatric", "off_label"),
    ("Crohn's disease", "digestive", "off_label"),
    ("Ulcerative colitis", "digestive", "off_label"),
    ("Cancer", "cancer", "off_label"),
    ("Lyme disease", "infectious", "off_label"),
    ("Chronic fatigue syndrome", "other", "off_label"),
]
ARTICLE_TOPICS = [
    "Naltrexone Mechanism Of Action",
    "How Does Naltrexone Work?",
    "How Long Does It Take Naltrexone to Work?",
    "Best Time To Take Naltrexone",
    "Naltrexone Contraindications",
    "Getting Help With Substance Abuse",
]
INTRODUCTION = "\n\n".join(
    [
        "Naltrexone uses are wide-ranging: some addictions, pain and autoimmune diseases. " * 3,
        "## The FDA-approved uses",
        "There are two FDA-approved uses, alcohol dependence and opiate addiction, both tested. "
        * 4,
        "## Off-label uses",
        "Off-label uses are not approved by the FDA; doctors rely on limited research. " * 4,
    ]
)
HOME_HEIGHT_LIMITS = {1280: 2000, 390: 3500}  # issue 9: a card per use made 6,168 and 9,288 px


def publish_an_article_sized_site():
    """What the article publishes, in number and length, with the widest content we allow:
    every certainty and direction, long titles, a long unbroken address in a source."""
    from django.utils.text import slugify

    from uses.models import Certainty, Direction
    from uses.services import publish

    reviewer = factories.make_person(name="Michael Espelin", credentials="APRN")
    factories.make_published_topic(
        title="Naltrexone Uses And Mechanism Of Action. How Does It Work?",
        slug="overview",
        is_overview=True,
        body=INTRODUCTION,
        reviewer=reviewer,
    )
    for title in ARTICLE_TOPICS:
        factories.make_published_topic(title=title, slug=slugify(title), reviewer=reviewer)
    grades = [(c, d) for c in Certainty.values for d in Direction.values]
    for number, (name, category, approval) in enumerate(ARTICLE_USES):
        condition = factories.make_condition(
            name=name,
            slug=factories.unique("use"),
            category=category,
            approval=approval,
            summary=f"What the article says about naltrexone for {name}, in two sentences. " * 2,
        )
        source = factories.make_source(
            title=f"A randomised, double-blind, placebo-controlled trial of low-dose naltrexone "
            f"({number})",
            url="https://example.org/" + "a-very-long-address-without-breaks" * 4,
            doi=f"10.1000/naltrexone.{number}.with-a-long-suffix-{'x' * 40}",
        )
        certainty, direction = grades[number % len(grades)]
        factories.make_evidence(
            condition, sources=[source], certainty=certainty, direction=direction
        )
        publish(entry=condition, reviewer=reviewer)
    factories.make_editorial_policy()
    return reviewer


def test_every_public_page_fits_a_phone_and_a_desktop_without_scrolling_sideways(
    live_server, new_page
):
    from uses.models import Publication

    reviewer = publish_an_article_sized_site()
    uses = Publication.objects.current().conditions().in_article_order()
    paths = [
        "/",
        "/uses/",
        "/uses/?approval=off_label&category=pain",
        *[use.get_absolute_url() for use in uses[:4]],
        uses[0].get_reviews_url(),
        Publication.objects.current().topics().first().get_absolute_url(),
        "/evidence/",
        "/how-we-grade-evidence/",
        "/sources/",
        reviewer.get_absolute_url(),
        "/editorial-policy/",
        "/no-such-page/",
    ]
    for width in [390, 1280]:
        page = new_page(viewport={"width": width, "height": 844})
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == (404 if path == "/no-such-page/" else 200), path
            assert page.locator("h1").count() == 1, path
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, (width, path, scroll_width)


def test_the_home_page_reads_in_one_scan_on_a_phone_and_a_desktop(live_server, new_page):
    publish_an_article_sized_site()
    for width, limit in HOME_HEIGHT_LIMITS.items():
        page = new_page(viewport={"width": width, "height": 844})
        page.goto(live_server.url)
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= limit, (width, height)
        # Every use is one click away, by name, and no use has a card of its own.
        assert page.locator(".use-index a[href^='/uses/']").count() >= len(ARTICLE_USES)
        assert page.locator(".use-card").count() == 0


AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# The only rules whose outcome depends on colours, run again in the dark colour scheme.
AXE_COLOUR_RULES = ["color-contrast", "link-in-text-block"]
FINISH_TRANSITIONS = (
    "() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))"
)


def axe_problems(page, label: str) -> list[str]:
    """The serious and critical violations axe finds in the page as it is now, in the light and
    the dark colour scheme, one line each.

    The page's context puts axe in each page it opens (``add_init_script(path=AXE)``), through
    the DevTools protocol, which the page's CSP does not govern: the strict policy stays on while
    axe runs. Its preloading stays off: that copies each stylesheet into an inline <style>, which
    the CSP refuses, for two rules (orientation lock, autoplaying audio) that the admin gives no
    reason to run.
    """
    problems = []
    for scheme, run_only in [
        ("light", {"type": "tag", "values": AXE_TAGS}),
        ("dark", {"type": "rule", "values": AXE_COLOUR_RULES}),
    ]:
        page.emulate_media(color_scheme=scheme)
        # The admin's links and buttons fade to a new colour: read them once they are there.
        page.evaluate(FINISH_TRANSITIONS)
        options = {"runOnly": run_only, "resultTypes": ["violations"], "preload": False}
        results = page.evaluate("options => axe.run(document, options)", options)
        for violation in results["violations"]:
            if violation["impact"] not in ("serious", "critical"):
                continue
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            more = f" and {len(targets) - 5} more" if len(targets) > 5 else ""
            problems.append(
                f"{label} ({scheme}): {violation['id']} ({violation['impact']}), "
                f"{violation['help']}: {', '.join(targets[:5])}{more}"
            )
    page.emulate_media(color_scheme="light")
    return problems


def an_editors_and_a_reviewers_day():
    """Content in every state that the admin pages show: published, waiting, sent back, overdue."""
    import datetime

    from uses import review

    reviewer_person = factories.make_person(name="Article Reviewer", credentials="APRN")
    condition, _ = factories.make_published_condition(
        name="Lupus", slug="lupus", reviewer=reviewer_person
    )
    topic, topic_publication = factories.make_published_topic(
        title="Mechanism", reviewer=reviewer_person
    )
    topic_publication.next_review_due = datetime.date(2020, 1, 1)
    topic_publication.save()
    factories.make_source(key="lupus-trials", title="Lupus trials")
    editor = factories.make_user("Editors", username="edna")
    mara = factories.make_user("Medical reviewers", username="mara", person=True)
    factories.edit(condition, editor, summary="Small trials found less pain.")
    submission = review.submit(entry=condition, user=editor, note="From the 2026 review.")
    factories.edit(topic, editor, summary="How it blocks receptors.")
    sent_back = review.submit(entry=topic, user=editor)
    review.request_changes(submission=sent_back, reviewer=mara, comment="Say who found this.")
    return {"condition": condition, "topic": topic, "submission": submission}


def admin_paths(*, condition, topic, submission, editor: bool) -> list[str]:
    """Every admin page an editor (or, without ``editor``, a medical reviewer) opens by address."""
    from uses.roles import WORKING_COPY

    evidence = condition.evidence.first()
    history_id = condition.history.first().history_id
    models = ["condition", "evidence", "topic", "source", "person", "publication", "submission"]
    paths = [
        "/admin/",
        "/admin/uses/",
        *(f"/admin/uses/{model}/" for model in models),
        "/admin/uses/submission/?status=all",
        f"/admin/uses/condition/{condition.pk}/change/",
        f"/admin/uses/topic/{topic.pk}/change/",
        f"/admin/uses/evidence/{evidence.pk}/change/",
        f"/admin/uses/source/{evidence.sources.first().pk}/change/",
        f"/admin/uses/person/{condition.author.pk}/change/",
        f"/admin/uses/publication/{condition.publications.first().pk}/change/",
        f"/admin/uses/submission/{submission.pk}/review/",
        f"/admin/uses/condition/{condition.pk}/history/",
        f"/admin/uses/condition/{condition.pk}/history/{history_id}/",
        f"/admin/uses/condition/{condition.pk}/compare/",
        "/admin/uses/evidence/export/",
        "/admin/uses/publication/export/",
        "/admin/password_change/",
    ]
    if editor:
        paths += [
            *(f"/admin/uses/{model}/add/" for model in WORKING_COPY),
            f"/admin/uses/evidence/{evidence.pk}/delete/",
            "/admin/uses/evidence/import/",
            *imported_for_review(condition),
        ]
    return paths


def imported_for_review(condition) -> list[str]:
    """An import of the editor's, done, and the page that submits what it changed."""
    from django.contrib.auth.models import User

    from uses.models import ImportJob

    job = ImportJob.objects.create(
        model="evidence",
        file_format=0,
        file_name="claims.csv",
        created_by=User.objects.get(username="edna"),
        status="imported",
        rows=1,
        report={"totals": {"new": 1, "update": 0, "skip": 0}},
        entries=[f"condition:{condition.pk}"],
    )
    return [
        f"/admin/uses/evidence/import/{job.pk}/",
        f"/admin/uses/submission/submit-imported/{job.pk}/",
    ]


@pytest.mark.parametrize("username", ["edna", "mara"], ids=["editor", "medical reviewer"])
def test_every_admin_page_an_editor_or_a_reviewer_uses_passes_axe_in_light_and_dark(
    live_server, new_page, username
):
    """No serious or critical violation of WCAG 2.2 A/AA or axe's best practices, on the pages
    as they load and on the few states a click opens (an autocomplete, an import's preview)."""
    data = an_editors_and_a_reviewers_day()
    editor = username == "edna"
    page = new_page()
    page.context.add_init_script(path=AXE)
    # The admin's colours fade for 0.15 s when the scheme changes: play that at 100 times the
    # speed, so that the dark pass reads the settled colours sooner (a fifth off this test).
    devtools = page.context.new_cdp_session(page)
    devtools.send("Animation.enable")
    devtools.send("Animation.setPlaybackRate", {"playbackRate": 100})
    problems = []
    page.goto(f"{live_server.url}/admin/login/")
    problems += axe_problems(page, "login")
    log_in(page, live_server.url, username)
    for path in admin_paths(**data, editor=editor):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        problems += axe_problems(page, path)
    if editor:
        # The autocomplete's search box exists only while its list is open, and Select2 redraws
        # a widget after a choice: both are found by the names that
        # static/js/admin-autocomplete.js gives them, and checked as they are then.
        page.goto(f"{live_server.url}/admin/uses/condition/{data['condition'].pk}/change/")
        page.get_by_role("combobox", name=re.compile("^Author:")).click()
        page.get_by_role("searchbox", name="Author:").wait_for()
        problems += axe_problems(page, "the author's autocomplete, open")
        page.keyboard.press("Escape")
        page.get_by_role("searchbox", name="Sources:").click()
        page.keyboard.type("Lupus")
        page.get_by_role("option", name="Lupus trials").click()
        problems += axe_problems(page, "a source chosen in the sources' autocomplete")
        page.get_by_role("button", name="Save and continue editing").click()
        page.locator(".messagelist").wait_for()
        problems += axe_problems(page, "a saved use, with its message")
        upload_for_import(page, live_server.url)
        problems += axe_problems(page, "an import waiting for a worker")
        worker_done(page, "table.import-preview")
        problems += axe_problems(page, "an import's preview")
        page.get_by_role("button", name="Confirm import").click()
        worker_done(page, "text=Imported: 1 new")
        problems += axe_problems(page, "an import, done")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/logout/")
    problems += axe_problems(page, "logged out")
    assert problems == [], f"{username}, on these pages:\n" + "\n".join(problems)
