"""Once: an open request's station followed its customer's by a database trigger on the
archive's table.

The service app no longer touches another app's tables: the station is followed in Python
(``gridcrm.service.stations``, told of every customer write through ``CUSTOMERS_CHANGED``),
and migration 0006 drops the trigger where this migration had created it. The migration
stays, doing nothing, so that the history of databases that applied it is unchanged.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("service", "0004_matrix_rules_by_channel")]

    operations = []
