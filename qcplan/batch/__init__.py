"""The batch: rendering every report of a run in worker processes and publishing it."""
