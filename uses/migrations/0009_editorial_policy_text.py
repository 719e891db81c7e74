"""The editorial policy as shipped before: its grading section described the old vocabulary
("insufficient", "Possibly effective", "citation needed"), and its "Report an error" section
hard-coded an address that now comes from DJANGO_EDITORIAL_EMAIL (the page renders that section
itself). A policy page still exactly as shipped gets today's text; one an administrator edited
only loses the old "Report an error" section, if it is still word for word as shipped, so that
the section does not show twice. Site-level text: it goes live when saved, as an edit would."""

from django.db import migrations

URL = "/editorial-policy/"
SHIPPED = 'This site presents the article *Naltrexone Uses And Mechanism Of Action. How Does It Work?* as structured content: every use of naltrexone on its own page, each claim with the evidence behind it, and who wrote and who medically reviewed each page.\n\n## How content is written\n\n- The article\'s words stay the article\'s words. Each claim on a use\'s page is a sentence quoted from the article. Summaries restate what the article says in plain words and add nothing to it.\n- Where we correct or add to the text, the change goes through the same medical review as everything else, and the page\'s review history says what changed.\n- We write for readers without medical training: short sentences, common words, and terms explained where they first appear.\n\n## How claims are sourced and graded\n\n- Every claim records the best kind of study behind it (from a regulatory approval down to clinical experience, or none), the certainty of the evidence in the terms of the GRADE approach (high, moderate, low, very low, or insufficient) and what the evidence points to (benefit, no benefit, mixed results, harm, or unclear).\n- We grade from the article\'s own wording: "limited studies" and "small studies" are graded low, "case studies" very low, and a claim that mentions no study is graded as having insufficient evidence.\n- A use\'s label (for example "Possibly effective" or "May cause harm") is derived from its best evidence. It is never typed by hand.\n- We never invent a study, a DOI or a PubMed ID. A source that the article only mentions, such as "studies conducted by Stanford University", is shown as mentioned, without a reference. A claim with no source at all is marked **citation needed**.\n\n## How pages are reviewed\n\n- Editors change pages in a working copy that the public never sees.\n- A licensed medical reviewer reads every change before it is published and either approves it or sends it back. Nobody approves their own work.\n- Each page shows who reviewed it and when, when its next review is due, and its full review history. Pages are reviewed again at least every 12 months.\n- Pages that are no longer accurate are withdrawn through the same review; they are never silently deleted.\n\n## Not medical advice\n\nNothing on this site is a recommendation to take, stop or change any medicine. Only the two FDA-approved uses (alcohol dependence and opioid addiction) have been approved as safe and effective; every other use is off-label. Talk to a doctor, nurse or pharmacist about your own situation.\n\n## Report an error\n\nIf you think something on this site is wrong, out of date or unclear, write to the editors at [editorial@localhost](mailto:editorial@localhost) and name the page and the sentence. A medical reviewer looks at every report, and corrections appear in the page\'s review history.\n'
TODAY = 'This site presents the article *Naltrexone Uses And Mechanism Of Action. How Does It Work?* as structured content: every use of naltrexone on its own page, each claim with the evidence behind it, and who wrote and who medically reviewed each page.\n\n## How content is written\n\n- The article\'s words stay the article\'s words. Each claim on a use\'s page is a sentence quoted from the article. Summaries restate what the article says in plain words and add nothing to it.\n- Where we correct or add to the text, the change goes through the same medical review as everything else, and the page\'s review history says what changed.\n- We write for readers without medical training: short sentences, common words, and terms explained where they first appear.\n\n## How claims are sourced and graded\n\n- Every claim records the kind of evidence the article states for it (from a regulatory approval down to doctors\' practice, studies the article mentions without saying what kind, or none), how sure we can be in the four levels of the GRADE approach (high, moderate, low, very low) or "not assessed" where there is nothing to rate, and what its own sentence reports (a benefit, no benefit, mixed results, possible harm, or no result).\n- We grade from the article\'s own words, by rules we publish on [how we grade evidence](/how-we-grade-evidence/), and no label is stronger than its sentence: "limited studies" of a design the article does not state are very low, "a few small, randomized studies" low, "case studies" very low, and doctors\' practice or a claim that mentions no study is not assessed.\n- A use\'s label (for example "Limited evidence of benefit" or "May cause harm") is derived from its best evidence. It is never typed by hand.\n- We never invent a study, a DOI or a PubMed ID. A source that the article only mentions, such as "studies conducted by Stanford University", is shown as a mention, in the article\'s words, with no reference. A claim with no source at all says that the article gives no reference for it.\n\n## How pages are reviewed\n\n- Editors change pages in a working copy that the public never sees.\n- A licensed medical reviewer reads every change before it is published and either approves it or sends it back. Nobody approves their own work.\n- Each page shows who reviewed it and when, when its next review is due, and its full review history. Pages are reviewed again at least every 12 months.\n- Pages that are no longer accurate are withdrawn through the same review; they are never silently deleted.\n\n## Not medical advice\n\nNothing on this site is a recommendation to take, stop or change any medicine. Only the two FDA-approved uses (alcohol dependence and opioid addiction) have been approved as safe and effective; every other use is off-label. Talk to a doctor, nurse or pharmacist about your own situation.\n'
OLD_REPORT_SECTION = "## Report an error\n\nIf you think something on this site is wrong, out of date or unclear, write to the editors at [editorial@localhost](mailto:editorial@localhost) and name the page and the sentence. A medical reviewer looks at every report, and corrections appear in the page's review history.\n"


def update_policy(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    for page in FlatPage.objects.filter(url=URL):
        if page.content == SHIPPED:
            page.content = TODAY
        elif page.content.endswith(OLD_REPORT_SECTION):
            page.content = page.content.removesuffix(OLD_REPORT_SECTION).rstrip() + "\n"
        else:
            continue
        page.save(update_fields=["content"])


def restore_policy(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    FlatPage.objects.filter(url=URL, content=TODAY).update(content=SHIPPED)


class Migration(migrations.Migration):
    dependencies = [
        ("uses", "0008_grade_vocabulary"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(update_policy, restore_policy)]
