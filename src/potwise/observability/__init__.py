"""What the process tells Prometheus: its own counters and histograms (`process.py`), the
figures read from the database at scrape time (`figures.py`), and the text format that
carries both (`exposition.py`).

It imports nothing else of potwise, so every layer may count into it without depending
on the metrics library itself.
"""
