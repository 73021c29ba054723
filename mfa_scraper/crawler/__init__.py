"""Everything that imports Scrapy or Twisted: settings, spiders, pipeline, middlewares,
extensions and the in-process crawl runner. The only package allowed to import them."""
