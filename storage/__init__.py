"""Everything about the archive: models, captures, versions, diffs and queries.

No Twisted or Scrapy here: the CLI and the scheduler import this package directly.
"""
