# The constraints of the review gate, in their own transaction after the data migration
# (PostgreSQL alters no table with the data migration's trigger events still pending).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('uses', '0004_review_gate'),
    ]

    operations = [
        migrations.AlterField(
            model_name='publication',
            name='content_published_at',
            field=models.DateTimeField(help_text='When this content was first published: the “Updated” date readers see. A confirmation or a withdrawal keeps the date of the content it re-publishes.'),
        ),
        migrations.AddConstraint(
            model_name='publication',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('kind', 'slug'), name='one_current_publication_per_address', violation_error_message='Another published entry has this address.'),
        ),
        migrations.AddConstraint(
            model_name='publication',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True), ('is_withdrawn', False), ('kind', 'overview')), fields=('kind',), name='one_public_overview', violation_error_message='Another topic is the published overview.'),
        ),
        migrations.AddConstraint(
            model_name='publication',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('is_withdrawn', True), ('review_type', 'withdrawal')), models.Q(('is_withdrawn', False), models.Q(('review_type', 'withdrawal'), _negated=True)), _connector='OR'), name='withdrawn_exactly_when_a_withdrawal'),
        ),
        migrations.AddConstraint(
            model_name='submission',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'pending'), ('status', 'superseded'), models.Q(('cancelled_by__isnull', False), ('decided_at__isnull', False), ('status', 'cancelled')), models.Q(('decided_at__isnull', False), ('decided_by__isnull', False)), _connector='OR'), name='decision_names_who_and_when'),
        ),
    ]
