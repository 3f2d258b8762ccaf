# wrong: every other question wrong
# fails: test_why_async_gathered_sleeps test_why_async_view_returns_coroutine test_why_async_cpu_bound_view test_why_async_which_nap_is_polite test_why_async_await_without_pause test_why_async_done_after_one_second
# says: Hint:
why_async = {
    "what_async_buys": "b",
    "gathered_sleeps": "b",
    "gathered_blocking_sleeps": "b",
    "view_returns_coroutine": "a",
    "await_gives_response": "a",
    "cpu_bound_view": "a",
    "mixed_wait_and_compute": "b",
    "which_nap_is_polite": "a",
    "event_loop_threads": "a",
    "await_without_pause": "a",
    "task_order": "c",
    "done_after_one_second": "a",
    "measure_not_guess": "a",
}
