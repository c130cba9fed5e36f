"""The web layer: the JSON API (``api``), the respondent pages (``survey``), the dashboard (``dashboard``) and
provider webhooks (``webhooks``). Nothing outside this package and :mod:`recognition.app` imports it."""
