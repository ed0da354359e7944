"""The keyed hash of ID numbers for contacts written before ``id_key`` existed."""

from django.conf import settings
from django.db import migrations


def fill_id_keys(apps, schema_editor):
    from lianqin.cases.masking import id_key

    contact = apps.get_model("cases", "ReporterContact")
    rows = contact.objects.filter(id_key="").exclude(id_number="")
    for row in rows.iterator(chunk_size=2000):
        key = id_key(row.id_number, settings.SECRET_KEY)
        if key:
            contact.objects.filter(pk=row.pk).update(id_key=key)


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_caseevent_chain_reportercontact_id_key_and_more")]
    operations = [migrations.RunPython(fill_id_keys, migrations.RunPython.noop)]
