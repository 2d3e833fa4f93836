import pytest


@pytest.fixture
def make_class(actor):
    """A class of the current school year from any usual spelling of its name
    (五(1)班 → 五年级1班). Classes come from roster imports and promotion; tests make them
    directly."""
    from shuxiang.patrons import grades
    from shuxiang.patrons.models import SchoolClass

    def make(name: str) -> SchoolClass:
        library = actor.library
        system = grades.system(library.grade_system)
        grade, number = grades.parse_class(system, name)
        return SchoolClass.objects.create(
            library=library,
            school_year=library.current_school_year,
            grade=grade,
            number=number,
            name=system.class_name(grade, number),
        )

    return make
