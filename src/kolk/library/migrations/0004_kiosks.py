# Kiosks (SIP2 accounts) and members' kiosk PINs.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0003_fee_invoice"),
        ("people", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Kiosk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.SlugField(max_length=40, unique=True, verbose_name="naam")),
                ("secret", models.CharField(max_length=128, verbose_name="wachtwoord (hash)")),
                ("secret_set_at", models.DateTimeField(verbose_name="wachtwoord gezet op")),
                ("disabled_at", models.DateTimeField(blank=True, null=True, verbose_name="uitgeschakeld op")),
                ("failures", models.PositiveSmallIntegerField(default=0, verbose_name="mislukte aanmeldingen")),
                ("locked_until", models.DateTimeField(blank=True, null=True, verbose_name="geblokkeerd tot")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "branch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="kiosks",
                        to="library.branch",
                        verbose_name="vestiging",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="kiosk", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "zelfbedieningszuil",
                "verbose_name_plural": "zelfbedieningszuilen",
            },
        ),
        migrations.CreateModel(
            name="KioskPin",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("pin", models.CharField(max_length=128, verbose_name="pincode (hash)")),
                ("set_at", models.DateTimeField(verbose_name="pincode gezet op")),
                ("failures", models.PositiveSmallIntegerField(default=0, verbose_name="foute pogingen")),
                ("locked_until", models.DateTimeField(blank=True, null=True, verbose_name="geblokkeerd tot")),
                (
                    "person",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="kiosk_pin", to="people.person"
                    ),
                ),
            ],
            options={
                "verbose_name": "pincode zelfbediening",
                "verbose_name_plural": "pincodes zelfbediening",
            },
        ),
    ]
