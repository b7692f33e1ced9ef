"""Periodic crawls (APScheduler 3.x) and the ``briefings`` command line.

No Twisted here: every crawl runs as a ``scrapy crawl`` subprocess.
"""
