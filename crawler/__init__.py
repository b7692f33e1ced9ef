"""The Scrapy project (spiders, pipeline) and the pure extraction code it uses.

Importing this package does not import Scrapy or Twisted: ``crawler.schema`` and
``crawler.extract`` are plain Python usable from storage, the CLI and tests.
"""
