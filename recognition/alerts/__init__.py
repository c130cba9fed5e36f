"""Objectives and alerts: evaluation (pure), alert events, and their delivery by webhook and e-mail."""
