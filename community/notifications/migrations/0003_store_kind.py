from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_badge_and_honor_kinds'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('reply', 'Reply to your thread'), ('mention', 'Mention'), ('accepted', 'Accepted answer'), ('watched', 'Activity you watch'), ('moderation', 'Moderation'), ('security', 'Security'), ('badge', 'Badge earned'), ('honor', 'Honor awarded'), ('store', 'Rewards store order')], max_length=20),
        ),
    ]
