"""English times as the dashboard's scripts write them ("2:05 PM"): Django's own English
formats write "2:05 p.m.", and "noon" or "midnight" at those times, which reads oddly as a
message's time in a transcript."""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
