"""URLs of demo_project, all in one place."""

from django.urls import path

from demo_project.catalog import views as catalog_views
from demo_project.ops import views as ops_views
from demo_project.upstream import views as upstream_views

urlpatterns = [
    # Catalog: async JSON views over the Book and Author models
    path("api/books/", catalog_views.book_list, name="book-list"),
    path("api/books/<int:book_id>/", catalog_views.book_detail, name="book-detail"),
    path("api/authors/", catalog_views.author_list, name="author-list"),
    # Fake upstream services for the lessons (no internet in this course)
    path("upstream/<slug:service>/", upstream_views.upstream, name="upstream"),
    path("upstream/<slug:service>/sync/", upstream_views.upstream_sync, name="upstream-sync"),
    # How the project is served: where a request runs, CPU work in and out of the event loop
    path("ops/where/", ops_views.where, name="ops-where"),
    path("ops/primes/", ops_views.primes, name="ops-primes"),
    path("ops/primes/pool/", ops_views.primes_in_pool, name="ops-primes-pool"),
]
