"""The HTTP API: ``/api/v1`` for keys-holding clients, ``/healthz`` and ``/readyz`` for operators."""
