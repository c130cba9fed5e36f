"""Fixtures shared by the integration tests of the hosted survey (defined in survey_world.py)."""

from tests.integration.survey_world import make_client, world  # noqa: F401 - fixtures, registered by import
