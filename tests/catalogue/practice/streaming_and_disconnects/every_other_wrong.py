# wrong: every other question wrong
# fails: test_streaming_and_disconnects_streaming_content_is_not_content test_streaming_and_disconnects_stream_take_two test_streaming_and_disconnects_swallow_cancel test_streaming_and_disconnects_count_open_streams test_streaming_and_disconnects_flush_with_yield
# says: Hint:
streaming_and_disconnects = {
    "streaming_parts": "a",
    "streaming_content_is_not_content": "a",
    "async_generator_for_async_server": "a",
    "stream_take_two": "b",
    "cancelled_on_disconnect": "a",
    "swallow_cancel": "b",
    "sse_format": "a",
    "count_open_streams": "a",
    "sync_generator_warning": "a",
    "flush_with_yield": "b",
}
