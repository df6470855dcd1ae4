"""The models: projections, scenarios, the assessment of each target."""
