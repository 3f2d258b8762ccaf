from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

MIN_RATING = 1
MAX_RATING = 5

# [0-9] rather than \d, which would also accept digits of other scripts; \Z so no trailing newline.
isbn_validator = RegexValidator(r"\A[0-9]{13}\Z", message="An ISBN must be exactly 13 digits.")


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    isbn = models.CharField("ISBN", max_length=13, unique=True, validators=[isbn_validator])
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_RATING), MaxValueValidator(MAX_RATING)]
    )
    published = models.DateField()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            # The validators only run in full_clean(); this keeps bad ratings out of the table too.
            models.CheckConstraint(
                condition=models.Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING),
                name="catalog_book_rating_between_1_and_5",
                violation_error_message="A rating must be between 1 and 5.",
            ),
        ]

    def __str__(self) -> str:
        # Only own fields: touching self.author here would query the database, which fails in
        # async code.
        return self.title
