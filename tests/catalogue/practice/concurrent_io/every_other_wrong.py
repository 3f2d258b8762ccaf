# wrong: every other question wrong
# fails: test_concurrent_io_gather_order test_concurrent_io_return_exceptions test_concurrent_io_taskgroup_failure test_concurrent_io_semaphore_limit test_concurrent_io_cancel_on_timeout test_concurrent_io_client_per_request
# says: Hint:
concurrent_io = {
    "sequential_awaits": "b",
    "gather_order": "b",
    "gather_error": "b",
    "return_exceptions": "b",
    "timeout_error": "b",
    "taskgroup_failure": "a",
    "gather_is_concurrent": "b",
    "semaphore_limit": "a",
    "create_task_not_awaited": "a",
    "cancel_on_timeout": "b",
    "gather_needs_await": "d",
    "client_per_request": "a",
}
