"""Plots. They read a run's (or a sweep's) saved results; they never re-run the model."""
