"""The health of a run, with no Scrapy: access counting, network failures, monitors,
the verdict, validation of items, and the stats keys the run report is made of."""
