from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0011_breach_follow_through"),
    ]

    operations = [
        migrations.AddField(
            model_name="rightsrequest",
            name="text",
            field=models.TextField(blank=True, default=""),
        ),
    ]
