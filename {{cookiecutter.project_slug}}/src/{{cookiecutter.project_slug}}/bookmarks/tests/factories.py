import factory
from factory.django import DjangoModelFactory

from {{ cookiecutter.project_slug }}.bookmarks.models import Bookmark
from {{ cookiecutter.project_slug }}.users.tests.factories import UserFactory


class BookmarkFactory(DjangoModelFactory[Bookmark]):
    class Meta:
        model = Bookmark

    owner = factory.SubFactory(UserFactory)
    title = factory.Faker("sentence", nb_words=4)
    url = factory.Sequence(lambda n: f"https://example.com/articles/{n}")
    notes = ""
