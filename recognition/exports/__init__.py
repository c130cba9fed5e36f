"""Data out: respondent-level files (SPSS, Parquet, CSV) and banner tables."""
