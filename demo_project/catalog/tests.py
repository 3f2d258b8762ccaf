import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import AsyncClient, SimpleTestCase, TestCase, override_settings

from demo_project.json_assertions import JsonErrorAssertions

from .legacy import LEGACY_DELAY_SECONDS, LEGACY_PRICES, legacy_price
from .models import Author, Book
from .sample import SAMPLE_AUTHORS, SAMPLE_BOOKS, clear_catalog, load_sample_catalog
from .views import MAX_AUTHOR_NAME_LENGTH

# Models


class ModelTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.author = Author.objects.create(name="Ursula Quill")

    def make_book(self, **fields) -> Book:
        """An unsaved, valid book; keyword arguments override its fields."""
        values = {
            "title": "Moths of the Night Shift",
            "author": self.author,
            "isbn": "9780000000002",
            "rating": 3,
            "published": date(2020, 2, 29),
        }
        return Book(**(values | fields))

    def test_valid_book_passes_full_clean(self):
        self.make_book().full_clean()

    def test_isbn_must_be_exactly_13_ascii_digits(self):
        bad_isbns = [
            "978000000000",  # 12 digits
            "97800000000021",  # 14 digits
            "978000000000X",
            "978-000000000",
            "９７８００００００００２",  # full-width digits, which \d would accept
            "978000000000\n",
            "",
        ]
        for isbn in bad_isbns:
            with self.subTest(isbn=isbn):
                with self.assertRaises(ValidationError) as caught:
                    self.make_book(isbn=isbn).full_clean()
                self.assertIn("isbn", caught.exception.message_dict)

    def test_isbn_error_message(self):
        with self.assertRaisesMessage(ValidationError, "An ISBN must be exactly 13 digits."):
            self.make_book(isbn="978000000000X").full_clean()

    def test_rating_validators_allow_1_to_5_only(self):
        for rating in (1, 5):
            with self.subTest(rating=rating):
                self.make_book(rating=rating).full_clean()
        for rating in (0, 6, -1):
            with self.subTest(rating=rating):
                with self.assertRaises(ValidationError) as caught:
                    self.make_book(rating=rating).full_clean()
                self.assertIn("rating", caught.exception.message_dict)

    def test_database_refuses_ratings_outside_1_to_5(self):
        for rating in (0, 6):
            with self.subTest(rating=rating):
                with self.assertRaises(IntegrityError), transaction.atomic():
                    self.make_book(rating=rating).save()
        self.assertEqual(Book.objects.count(), 0)

    def test_database_refuses_a_bad_rating_in_an_update(self):
        book = self.make_book()
        book.save()
        with self.assertRaises(IntegrityError), transaction.atomic():
            Book.objects.filter(pk=book.pk).update(rating=9)
        book.refresh_from_db()
        self.assertEqual(book.rating, 3)

    def test_isbn_is_unique(self):
        self.make_book().save()
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.make_book(title="Another title").save()

    def test_author_name_is_unique(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Author.objects.create(name="Ursula Quill")

    def test_deleting_an_author_deletes_their_books(self):
        self.make_book().save()
        self.author.delete()
        self.assertEqual(Book.objects.count(), 0)

    def test_str_needs_no_query(self):
        # A query in __str__ would raise SynchronousOnlyOperation when printed from async code.
        self.make_book().save()
        book = Book.objects.get()
        with self.assertNumQueries(0):
            self.assertEqual(str(book), "Moths of the Night Shift")
        self.assertEqual(str(self.author), "Ursula Quill")

    def test_books_are_ordered_by_title(self):
        self.make_book(title="Zebra Crossings", isbn="9780000000019").save()
        self.make_book(title="Apple Orchards", isbn="9780000000026").save()
        self.assertEqual(
            list(Book.objects.values_list("title", flat=True)),
            ["Apple Orchards", "Zebra Crossings"],
        )


# Legacy price service


class LegacyPriceTests(SimpleTestCase):
    known_isbn = SAMPLE_BOOKS[0].isbn

    def test_known_isbn_gives_a_decimal_with_two_places(self):
        price = legacy_price(self.known_isbn)
        self.assertIsInstance(price, Decimal)
        self.assertEqual(price, LEGACY_PRICES[self.known_isbn])
        self.assertEqual(price.as_tuple().exponent, -2)

    def test_unknown_isbn_raises_key_error_naming_it(self):
        with self.assertRaises(KeyError) as caught:
            legacy_price("9789999999991")
        self.assertEqual(caught.exception.args, ("9789999999991",))

    def test_price_table_holds_13_digit_isbns_and_two_place_prices(self):
        self.assertGreaterEqual(len(LEGACY_PRICES), 10)
        for isbn, price in LEGACY_PRICES.items():
            with self.subTest(isbn=isbn):
                self.assertRegex(isbn, r"\A[0-9]{13}\Z")
                self.assertEqual(price.as_tuple().exponent, -2)
                self.assertGreater(price, 0)

    def test_every_sample_book_has_a_price(self):
        self.assertLessEqual({book.isbn for book in SAMPLE_BOOKS}, set(LEGACY_PRICES))

    def test_price_table_is_read_only(self):
        with self.assertRaises(TypeError):
            LEGACY_PRICES[self.known_isbn] = Decimal("0.01")

    def test_a_call_blocks_for_at_least_the_legacy_delay(self):
        for isbn in (self.known_isbn, "9789999999991"):
            with self.subTest(isbn=isbn):
                started = time.perf_counter()
                try:
                    legacy_price(isbn)
                except KeyError:
                    pass
                elapsed = time.perf_counter() - started
                # 0.95: clocks of different resolution may round a little below the sleep.
                self.assertGreaterEqual(elapsed, LEGACY_DELAY_SECONDS * 0.95)

    def test_calls_in_threads_overlap_and_stay_correct(self):
        isbns = [book.isbn for book in SAMPLE_BOOKS[:5]]
        start_together = threading.Barrier(len(isbns))

        def call(isbn):
            start_together.wait()
            return legacy_price(isbn)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(isbns)) as pool:
            prices = list(pool.map(call, isbns))
        elapsed = time.perf_counter() - started

        self.assertEqual(prices, [LEGACY_PRICES[isbn] for isbn in isbns])
        one_after_another = len(isbns) * LEGACY_DELAY_SECONDS
        # In parallel they take about one delay; 0.6 of the serial time is a wide margin.
        self.assertLess(elapsed, one_after_another * 0.6)


# Sample catalog


class SampleCatalogTests(TestCase):
    def catalog_snapshot(self):
        return sorted(
            Book.objects.values_list("title", "author__name", "isbn", "rating", "published")
        )

    def test_load_adds_the_sample_authors_and_books(self):
        load_sample_catalog()
        self.assertEqual(
            sorted(Author.objects.values_list("name", flat=True)), sorted(SAMPLE_AUTHORS)
        )
        self.assertEqual(self.catalog_snapshot(), sorted(SAMPLE_BOOKS))

    def test_loading_twice_changes_nothing(self):
        load_sample_catalog()
        books_after_first_load = list(Book.objects.values_list("id", "isbn", "author_id"))
        load_sample_catalog()
        self.assertEqual(Author.objects.count(), len(SAMPLE_AUTHORS))
        self.assertEqual(
            list(Book.objects.values_list("id", "isbn", "author_id")), books_after_first_load
        )
        self.assertEqual(self.catalog_snapshot(), sorted(SAMPLE_BOOKS))

    def test_loading_restores_changed_sample_books_and_keeps_other_rows(self):
        load_sample_catalog()
        Book.objects.filter(isbn=SAMPLE_BOOKS[0].isbn).update(rating=1, title="Changed")
        extra_author = Author.objects.create(name="Not In The Sample")
        load_sample_catalog()
        self.assertEqual(self.catalog_snapshot(), sorted(SAMPLE_BOOKS))
        self.assertTrue(Author.objects.filter(pk=extra_author.pk).exists())

    def test_sample_data_is_valid(self):
        self.assertEqual(len(set(SAMPLE_AUTHORS)), len(SAMPLE_AUTHORS))
        self.assertEqual(len({book.isbn for book in SAMPLE_BOOKS}), len(SAMPLE_BOOKS))
        self.assertLessEqual({book.author for book in SAMPLE_BOOKS}, set(SAMPLE_AUTHORS))
        load_sample_catalog()
        for book in Book.objects.all():
            with self.subTest(book=book.title):
                book.full_clean()

    def test_clear_deletes_every_book_and_author(self):
        load_sample_catalog()
        Author.objects.create(name="Not In The Sample")
        clear_catalog()
        self.assertEqual((Author.objects.count(), Book.objects.count()), (0, 0))


# Views


class CatalogViewTestCase(JsonErrorAssertions, TestCase):
    """Two authors with books and one without, known by name in every test."""

    @classmethod
    def setUpTestData(cls):
        cls.quill = Author.objects.create(name="Ursula Quill")
        cls.brandt = Author.objects.create(name="Søren Brandt")
        cls.nobody_yet = Author.objects.create(name="Nadia Nobody")
        cls.moths = Book.objects.create(
            title="Moths of the Night Shift",
            author=cls.quill,
            isbn="9780000000002",
            rating=5,
            published=date(2020, 2, 29),
        )
        cls.ledger = Book.objects.create(
            title="A Ledger of Small Debts",
            author=cls.quill,
            isbn="9780000000019",
            rating=2,
            published=date(2011, 7, 1),
        )
        cls.harbour = Book.objects.create(
            title="Harbour Lights",
            author=cls.brandt,
            isbn="9780000000026",
            rating=4,
            published=date(1999, 12, 31),
        )

    async def row_counts(self) -> tuple[int, int]:
        return await Author.objects.acount(), await Book.objects.acount()

    @staticmethod
    def book_json(book: Book) -> dict:
        return {
            "id": book.id,
            "title": book.title,
            "author": book.author.name,
            "isbn": book.isbn,
            "rating": book.rating,
            "published": book.published.isoformat(),
        }


class BookListViewTests(CatalogViewTestCase):
    async def test_lists_every_book_ordered_by_title(self):
        response = await self.async_client.get("/api/books/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(
            response.json(),
            {"books": [self.book_json(book) for book in (self.ledger, self.harbour, self.moths)]},
        )

    async def test_filters_by_author_name(self):
        response = await self.async_client.get("/api/books/", {"author": "Søren Brandt"})
        self.assertEqual(response.json(), {"books": [self.book_json(self.harbour)]})

    async def test_unknown_author_gives_no_books(self):
        response = await self.async_client.get("/api/books/", {"author": "Nobody At All"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"books": []})

    async def test_filters_by_min_rating(self):
        for min_rating, expected_books in [
            ("1", [self.ledger, self.harbour, self.moths]),
            ("4", [self.harbour, self.moths]),
            ("5", [self.moths]),
        ]:
            with self.subTest(min_rating=min_rating):
                response = await self.async_client.get("/api/books/", {"min_rating": min_rating})
                self.assertEqual(
                    response.json(), {"books": [self.book_json(book) for book in expected_books]}
                )

    async def test_combines_filters(self):
        response = await self.async_client.get(
            "/api/books/", {"author": "Ursula Quill", "min_rating": "3"}
        )
        self.assertEqual(response.json(), {"books": [self.book_json(self.moths)]})

    async def test_bad_min_rating_is_a_400(self):
        for min_rating in ["0", "6", "-1", "3.5", "three", "", " 3", "٣", "99999999999999999999"]:
            with self.subTest(min_rating=min_rating):
                error = await self.request_expecting_error(
                    "GET", "/api/books/", 400, data={"min_rating": min_rating}
                )
                self.assertEqual(
                    error, f"min_rating must be a whole number from 1 to 5, not {min_rating!r}"
                )

    async def test_other_methods_are_a_405(self):
        for method in ("POST", "PUT", "DELETE"):
            with self.subTest(method=method):
                counts_before = await self.row_counts()
                send = getattr(self.async_client, method.lower())
                with self.assertLogs("django.request", "WARNING"):
                    response = await send("/api/books/")
                self.assert_json_error(response, 405)
                self.assertEqual(response["Allow"], "GET, HEAD")
                self.assertEqual(await self.row_counts(), counts_before)

    def test_loads_books_and_authors_in_one_query(self):
        with self.assertNumQueries(1):
            response = self.client.get("/api/books/")
        self.assertEqual(len(response.json()["books"]), 3)


class BookDetailViewTests(CatalogViewTestCase):
    async def test_returns_one_book(self):
        response = await self.async_client.get(f"/api/books/{self.harbour.id}/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), self.book_json(self.harbour))

    async def test_missing_book_is_a_404(self):
        missing_id = self.harbour.id + 1000
        error = await self.request_expecting_error("GET", f"/api/books/{missing_id}/", 404)
        self.assertEqual(error, f"no book with id {missing_id}")

    async def test_other_methods_are_a_405(self):
        counts_before = await self.row_counts()
        error = await self.request_expecting_error("DELETE", f"/api/books/{self.moths.id}/", 405)
        self.assertIn("DELETE", error)
        self.assertEqual(await self.row_counts(), counts_before)


class AuthorListViewTests(CatalogViewTestCase):
    async def post_json(self, payload, **options):
        return await self.async_client.post(
            "/api/authors/", payload, content_type="application/json", **options
        )

    async def test_lists_authors_with_their_book_counts(self):
        response = await self.async_client.get("/api/authors/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "authors": [
                    {"id": self.nobody_yet.id, "name": "Nadia Nobody", "book_count": 0},
                    {"id": self.brandt.id, "name": "Søren Brandt", "book_count": 1},
                    {"id": self.quill.id, "name": "Ursula Quill", "book_count": 2},
                ]
            },
        )

    async def test_post_creates_an_author(self):
        response = await self.post_json({"name": "  Imogen Vale "})
        self.assertEqual(response.status_code, 201)
        author = await Author.objects.aget(name="Imogen Vale")
        self.assertEqual(response.json(), {"id": author.id, "name": "Imogen Vale"})
        self.assertEqual(await Author.objects.acount(), 4)

    async def test_post_accepts_the_longest_allowed_name(self):
        name = "x" * MAX_AUTHOR_NAME_LENGTH
        response = await self.post_json({"name": name})
        self.assertEqual(response.status_code, 201)
        self.assertTrue(await Author.objects.filter(name=name).aexists())

    async def test_post_needs_no_csrf_token(self):
        csrf_checking_client = AsyncClient(enforce_csrf_checks=True)
        response = await csrf_checking_client.post(
            "/api/authors/", {"name": "Imogen Vale"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 201)

    async def test_existing_name_is_a_409(self):
        counts_before = await self.row_counts()
        error = await self.request_expecting_error(
            "POST",
            "/api/authors/",
            409,
            data={"name": "Ursula Quill"},
            content_type="application/json",
        )
        self.assertEqual(error, "an author named 'Ursula Quill' already exists")
        self.assertEqual(await self.row_counts(), counts_before)
        # The failed insert must not have broken the surrounding transaction.
        self.assertEqual(await Author.objects.filter(name="Ursula Quill").acount(), 1)

    async def test_bad_bodies_are_a_400(self):
        cases = [
            (b"{not json", 'request body must be JSON like {"name": "..."}'),
            (b"", 'request body must be JSON like {"name": "..."}'),
            (b'{"name": "\xff"}', 'request body must be JSON like {"name": "..."}'),
            (b"[" * 100_000, 'request body must be JSON like {"name": "..."}'),
            (b'["Imogen Vale"]', 'request body must be a JSON object like {"name": "..."}'),
            (b'"Imogen Vale"', 'request body must be a JSON object like {"name": "..."}'),
            (b"{}", "name is required"),
            (b'{"name": "Imogen Vale", "born": 1970}', "unexpected fields: born"),
            (b'{"name": null}', "name must be a string"),
            (b'{"name": 42}', "name must be a string"),
            (b'{"name": ["Imogen"]}', "name must be a string"),
            (b'{"name": ""}', "name must not be empty"),
            (b'{"name": " \\t\\n "}', "name must not be empty"),
            (b'{"name": "Imo\\u0000gen"}', "name must not contain NUL characters"),
            (
                b'{"name": "' + b"x" * (MAX_AUTHOR_NAME_LENGTH + 1) + b'"}',
                f"name must be at most {MAX_AUTHOR_NAME_LENGTH} characters",
            ),
        ]
        for body, expected_error in cases:
            with self.subTest(body=body[:60]):
                counts_before = await self.row_counts()
                error = await self.request_expecting_error(
                    "POST", "/api/authors/", 400, data=body, content_type="application/json"
                )
                self.assertEqual(error, expected_error)
                self.assertEqual(await self.row_counts(), counts_before)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
    async def test_too_large_body_is_a_413(self):
        counts_before = await self.row_counts()
        error = await self.request_expecting_error(
            "POST",
            "/api/authors/",
            413,
            data={"name": "x" * 200},
            content_type="application/json",
        )
        self.assertEqual(error, "request body is too large")
        self.assertEqual(await self.row_counts(), counts_before)

    async def test_other_methods_are_a_405(self):
        for method in ("PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                counts_before = await self.row_counts()
                send = getattr(self.async_client, method.lower())
                with self.assertLogs("django.request", "WARNING"):
                    response = await send(
                        "/api/authors/", {"name": "X"}, content_type="application/json"
                    )
                self.assert_json_error(response, 405)
                self.assertEqual(response["Allow"], "GET, HEAD, POST")
                self.assertEqual(await self.row_counts(), counts_before)


# Logging


class RequestLoggingTests(TestCase):
    async def test_client_errors_are_logged_to_stdout_not_stderr(self):
        # nbgrader gives a test cell no points when anything reaches stderr.
        captured_stdout, captured_stderr = io.StringIO(), io.StringIO()
        with redirect_stdout(captured_stdout), redirect_stderr(captured_stderr):
            response = await self.async_client.get("/api/books/424242/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(captured_stderr.getvalue(), "")
        self.assertIn("Not Found: /api/books/424242/", captured_stdout.getvalue())
