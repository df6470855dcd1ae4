"""Rendering: labels and fonts, charts, the report's frames, HTML export, the dashboard."""
