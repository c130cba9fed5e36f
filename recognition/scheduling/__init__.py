"""When waves happen: cron and interval arithmetic in IANA zones (pure), the injectable clock, the APScheduler
trigger and the poll scheduler that turns due slots into waves."""
