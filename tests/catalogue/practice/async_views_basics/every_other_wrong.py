# wrong: every other question wrong
# fails: test_async_views_basics_awaited_response_status test_async_views_basics_forgot_await_in_cell test_async_views_basics_shared_counter_race test_async_views_basics_query_params test_async_views_basics_awaiting_a_response test_async_views_basics_sync_view_under_the_test_client
# says: Hint:
async_views_basics = {
    "what_makes_a_view_async": "a",
    "awaited_response_status": "b",
    "jsonresponse_list": "b",
    "forgot_await_in_cell": "a",
    "async_client_in_cell": "b",
    "shared_counter_race": "a",
    "sync_client_on_async_view": "b",
    "query_params": "b",
    "find_the_blocking_line": "a",
    "awaiting_a_response": "a",
    "sync_view_under_a_server": "b",
    "sync_view_under_the_test_client": "b",
}
