# wrong: the last question left at None
# fails: test_concurrent_io_client_per_request
# says: not answered
concurrent_io = {
    "sequential_awaits": "b",
    "gather_order": "a",
    "gather_error": "b",
    "return_exceptions": "a",
    "timeout_error": "b",
    "taskgroup_failure": "b",
    "gather_is_concurrent": "b",
    "semaphore_limit": "b",
    "create_task_not_awaited": "a",
    "cancel_on_timeout": "a",
    "gather_needs_await": "d",
    "client_per_request": None,
}
