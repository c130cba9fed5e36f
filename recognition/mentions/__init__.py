"""Unaided-mention coding: normalisation, matching, versioned code frames, review and recoding."""
