"""Chinese: thousands grouped by three with "," (as in Chinese finance and State Grid
reports; Django's own zh-Hans format groups nothing: 206358102), ISO dates."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
