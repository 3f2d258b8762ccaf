# right: upper-case letters ("B") count too
mixing_sync_and_async = {
    "sync_to_async_purpose": "A",
    "async_to_sync_in_cell": "B",
    "asyncio_run_in_cell": "B",
    "thread_sensitive_default": "B",
    "thread_sensitive_false": "A",
    "which_thread": "A",
    "orm_through_sync_to_async": "B",
    "allow_async_unsafe": "A",
    "unmarked_middleware": "B",
    "auser_in_async_view": "A",
}
