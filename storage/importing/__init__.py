"""History import (issue 18): captures from WARC/WACZ files and the Wayback Machine.

- ``records``: WARC records → ``ArchivedResponse`` (what the record says the server sent),
  or a ``RecordProblem`` with its file and offset (``warcio`` reads the files);
- ``wacz``: a WACZ's WARCs, each checked against the sha256 its ``datapackage.json`` gives;
- ``decide``: what a response becomes: a ``storage.fetch.Fetch`` (through the crawl's own
  parser, ``crawler.extract.parse_html``) or a skip, with its reason;
- ``importer``: the run: resumable (records already imported are skipped), batched writes
  through ``Archive.record_fetches``, one ``crawl_run`` of kind ``import``, a summary;
- ``worker``: a file's read → decide → prepare in a child process (``settle``, the same per
  record as inline), results sent back in order while the importer stores;
- ``wayback``: Wayback captures → ``ArchivedResponse`` (the client is ``storage.wayback``);
- ``provenance``: the ``capture_provenance`` rows.

Callers use ``storage.api.Archive.import_files`` / ``import_wayback``. This package's
``__init__`` imports nothing: ``storage.capture`` imports ``provenance`` without a cycle.
"""
