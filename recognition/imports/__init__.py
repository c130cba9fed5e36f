"""Data in: a tracker's past waves from another provider, mapped to the poll and processed like any wave."""
