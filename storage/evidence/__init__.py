"""Citable evidence (issue 16): bundles, their verification, signing and witnesses.

``storage.evidence.bundle.build`` makes a WACZ bundle for an event, exchange or briefing
(``storage.evidence.plan`` picks the captures); ``storage.evidence.verify.verify_bundle``
checks one; ``sign`` and ``witness`` are the optional parts. See docs/evidence.md.
"""
