"""The build report: report.json rendered as self-contained HTML and as Markdown."""
