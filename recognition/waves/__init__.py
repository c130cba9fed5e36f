"""The wave lifecycle: fieldwork through a panel provider, response quality, processing (answers → weights →
estimates → tests) and rolling windows."""
