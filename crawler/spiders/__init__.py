"""Spiders, one per source: ``mfa-en`` and ``mfa-zh`` (see ``crawler.spiders.mfa``)."""
