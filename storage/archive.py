"""The archive's write path (CONTRACT STUB: to be implemented).

Used by the crawl pipeline, ``reparse`` and tests. All methods are safe to call from
several processes at once (each write is one ``BEGIN IMMEDIATE`` transaction on SQLite).

    archive = Archive(engine)
    run_id = archive.start_run("mfa-en", kind="discovery")
    result = archive.record_capture(
        run_id, url=..., final_url=..., status_code=200, headers={...}, body=b"...",
        briefing=briefing_dict_or_None, not_transcript=None, error=None,
        parser_version=PARSER_VERSION,
    )
    result.outcome  # "new" | "unchanged" | "revised" | "not_modified" | "not_transcript" | "suspect" | "error"
    archive.finish_run(run_id, stats=crawler_stats_dict, finish_reason="finished")
"""
