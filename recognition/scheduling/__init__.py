"""When waves happen: cron and interval arithmetic in IANA zones, schedules, catch-up after downtime, and the
injectable clock. Pure: no I/O (the poll scheduler that runs them is :mod:`recognition.waves.scheduler`)."""
