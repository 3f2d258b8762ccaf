# wrong: every other question wrong
# fails: test_async_orm_building_a_queryset_is_fine test_async_orm_related_attribute test_async_orm_aget_missing test_async_orm_atomic_in_async test_async_orm_values_are_dicts test_async_orm_query_threads_under_a_server
# says: Hint:
async_orm = {
    "sync_first_in_async": "b",
    "building_a_queryset_is_fine": "a",
    "async_for_titles": "b",
    "related_attribute": "a",
    "select_related_fix": "a",
    "aget_missing": "a",
    "acount": "a",
    "atomic_in_async": "a",
    "transaction_with_sync_to_async": "a",
    "values_are_dicts": "b",
    "truth_test_queryset": "b",
    "query_threads_under_a_server": "a",
}
