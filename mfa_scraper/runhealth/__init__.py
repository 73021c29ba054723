"""The health of a run, with no Scrapy: what an article answer becomes (outcome), validation
of items, access counting, network failures, monitors, the verdict, and the stats keys the
run report is made of (keys)."""
