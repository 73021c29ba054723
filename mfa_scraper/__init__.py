"""mfa-scraper: crawl ministry news sites into a versioned Parquet archive."""

__version__ = "0.1.0"
