"""GridCRM's number and date formats per language (``FORMAT_MODULE_PATH``).

Only what differs from Django's own locale formats is set here; ``gridcrm.core.formats``
states the policy: thousands grouped by "," in both languages (Django's zh-Hans format
groups nothing), one date format (ISO, 2026-12-07) and one date-time format
(2026-12-07 09:30) in both languages, as in the tables and the exports.
"""
