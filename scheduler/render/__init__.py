"""Renderers: one module per output, shared by the CLI, the notifier and the web app.

- ``text``: change events, diffs and headlines as terminal text (optionally coloured);
- ``html``: the self-contained side-by-side diff page of ``briefings diff --format html``;
- ``atom``: the Atom feed of change events;
- ``tables``: compact tables for people (``crawl``, ``runs``, ``list``, ``stats``);
- ``terminal``: ``terminal_safe``, which every text output applies to scraped text, so a
  stored escape sequence is shown (``␛``) and never reaches the terminal.

They render the archive API's types (``storage.api.ChangeEvent``, ``Comparison`` …), never
rows. Every scraped string is hostile: HTML and Atom escape it, text neutralizes terminal
control characters, tables never read it as markup.
"""
